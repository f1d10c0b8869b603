"""The company progress page: qualitative target sets, the score history and the indicators."""
