//! Arbitrary bytes never panic the sim: every session ends, and the record stays readable.

use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use buildmail_sim::Sim;

fn command_like() -> impl Strategy<Value = Vec<u8>> {
    let words = prop::sample::select(vec![
        "EHLO x",
        "HELO",
        "MAIL FROM:<a@b>",
        "MAIL FROM:<",
        "RCPT TO:<c@d>",
        "RCPT TO:",
        "DATA",
        ".",
        "AUTH PLAIN",
        "AUTH LOGIN",
        "*",
        "AGEAYg==",
        "STARTTLS",
        "RSET",
        "NOOP",
        "VRFY",
        "QUIT",
        "..",
        "MAIL FROM:<a@b> SIZE=99999999999999999999",
    ]);
    let line = prop_oneof![
        words.prop_map(|w| w.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..64),
    ];
    prop::collection::vec(line, 0..24).prop_map(|lines| {
        lines
            .into_iter()
            .flat_map(|mut l| {
                l.extend_from_slice(b"\r\n");
                l
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_input_ends_the_session_without_a_panic(input in prop_oneof![command_like(), prop::collection::vec(any::<u8>(), 0..2048)]) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
        runtime.block_on(async {
            let sim = Sim::builder()
                .tls(buildmail_sim::SimTls::generate().unwrap())
                .auth("u", "p")
                .scenario("chaos:1:0.3".parse().unwrap())
                .start().await.unwrap();
            let (mut client, server) = tokio::io::duplex(1 << 16);
            let session = sim.serve_stream(server);
            client.write_all(&input).await.unwrap();
            client.shutdown().await.unwrap();
            let mut replies = Vec::new();
            let _ = client.read_to_end(&mut replies).await;
            session.await.expect("the session ends without a panic");
            let record = sim.record();
            prop_assert!(record.connections[0].closed().is_some());
            sim.shutdown().await;
            Ok(())
        })?;
    }
}
