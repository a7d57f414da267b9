"""Sending: the channels (SMTP, HTTP provider, PDF letters) and the job that drives them."""
