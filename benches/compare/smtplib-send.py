"""One message to the recipients given with Python's smtplib, for benches/compare.sh.

Usage: python3 smtplib-send.py PORT FROM TO,TO,...
"""
import smtplib
import sys
from email.message import EmailMessage

port, sender, recipients = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
message = EmailMessage()
message["From"] = sender
message["To"] = ", ".join(recipients)
message["Subject"] = "build #42 passed"
message.set_content("The build passed.\n")
try:
    with smtplib.SMTP("127.0.0.1", int(port), timeout=30) as smtp:
        smtp.send_message(message)
except (smtplib.SMTPException, OSError) as error:
    sys.exit(f"smtplib: {error}")
