// One message to the recipients given, the way dawidd6/action-send-mail sends it (nodemailer's
// SMTP transport, no pooling), for benches/compare.sh. Usage: node nodemailer-send.js PORT FROM TO,TO,...
"use strict";
const nodemailer = require("nodemailer");

const [port, from, to] = process.argv.slice(2);
const transport = nodemailer.createTransport({
  host: "127.0.0.1",
  port: Number(port),
  secure: false,
  ignoreTLS: true,
});
transport
  .sendMail({ from, to, subject: "build #42 passed", text: "The build passed.\n" })
  .then(() => process.exit(0))
  .catch((error) => {
    console.error(`nodemailer: ${error.message}`);
    process.exit(1);
  });
