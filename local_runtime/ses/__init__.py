"""Amazon SES's side of sending, beyond moto: the mailbox simulator and event publishing."""
