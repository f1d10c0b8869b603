"""Assess as a team (issue 17): participants' own views, where they diverge, one agreed answer."""
