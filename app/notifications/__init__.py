"""Notification mails: new comments (to the company's owners and earlier commenters) and the
reminder of a draft before the submission deadline. Each user may turn them off on the account
page (User.notify_by_mail); security mails (password reset, sign-up) are not affected."""
