"""Writes a Jenkins-like log for the scan benchmarks: build noise full of numbers, with one Java
Mail SMTP failure every 10,000 lines. Usage: python3 scan-log.py PATH SIZE_MB"""
import sys

path, size = sys.argv[1], int(sys.argv[2]) * 1024 * 1024
noise = [
    "[2024-05-01T02:00:04.112Z] > Task :compileJava UP-TO-DATE 4521 files in 3.2s\n",
    "[2024-05-01T02:00:04.113Z] GET https://repo.example.com/a/b/1.2.3/b-1.2.3.pom HTTP/1.1 200 OK 552 bytes\n",
    "[2024-05-01T02:00:04.114Z] Tests: 450 passed, 0 failed, port: 587 pid: 4212\n",
]
reply = "com.sun.mail.smtp.SMTPSendFailedException: 421 4.7.0 Try again later, closing connection.\n"
written, i = 0, 0
with open(path, "w") as f:
    while written < size:
        line = reply if i % 10000 == 9999 else noise[i % 3]
        f.write(line)
        written += len(line)
        i += 1
