"""Company members: invitations by e-mail, roles, removal, and the company's audit log."""
