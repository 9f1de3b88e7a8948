//! The network, injected: a [`Connector`] opens a byte stream to a server, and [`TlsTrust`] says
//! which certificates a TLS upgrade accepts. Tests plug in a connector that hands back one end of
//! an in-memory pipe served by the simulator, so a whole delivery runs on tokio's paused clock.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::server::Server;

/// A byte stream to an SMTP server: TCP, TLS over TCP, or an in-memory pipe in tests.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A boxed [`Stream`], what a [`Connector`] returns.
pub type BoxStream = Box<dyn Stream>;

/// The future a [`Connector`] returns.
pub type ConnectFuture<'a> = Pin<Box<dyn Future<Output = io::Result<BoxStream>> + Send + 'a>>;

/// Opens a plain byte stream to a server (TLS, when wanted, is layered on top by the session).
pub trait Connector: Send + Sync {
    /// Connects to `server`.
    fn connect<'a>(&'a self, server: &'a Server) -> ConnectFuture<'a>;
}

/// The real network: TCP to `host:port`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpConnector;

impl Connector for TcpConnector {
    fn connect<'a>(&'a self, server: &'a Server) -> ConnectFuture<'a> {
        Box::pin(async move {
            let addresses: Vec<_> = tokio::net::lookup_host((server.host(), server.port()))
                .await
                .map_err(|e| unknown_host(server.host(), e))?
                .collect();
            let stream = tokio::net::TcpStream::connect(addresses.as_slice()).await?;
            stream.set_nodelay(true)?;
            Ok(Box::new(stream) as BoxStream)
        })
    }
}

/// A host name that does not resolve. A [`Connector`] returns it inside an `io::Error` so the
/// session can tell a typo in `--smtp-url` (final: a configuration error) from a resolver that
/// failed for now (transient, like any lost connection).
#[derive(Debug, thiserror::Error)]
#[error("cannot resolve the host {host}: {detail}")]
pub struct UnknownHost {
    /// The host name as given.
    pub host: String,
    /// What the resolver said.
    pub detail: String,
    /// The resolver failed for now (`EAI_AGAIN`), so the name may well exist.
    pub temporary: bool,
}

/// Wraps a failed look-up of `host` as an [`UnknownHost`]. std reports getaddrinfo's errors
/// only as text, so the temporary case is recognised by glibc's and musl's wording.
fn unknown_host(host: &str, error: io::Error) -> io::Error {
    let detail = error.to_string();
    let lower = detail.to_ascii_lowercase();
    let temporary = lower.contains("temporary failure") || lower.contains("try again");
    io::Error::new(
        io::ErrorKind::NotFound,
        UnknownHost {
            host: host.to_owned(),
            detail,
            temporary,
        },
    )
}

/// Which server certificates TLS accepts.
#[derive(Clone)]
pub struct TlsTrust {
    config: Arc<Config>,
    /// Any certificate is accepted: reports warn about it.
    skips_verification: bool,
}

/// The rustls configuration, or what it is built from on the first handshake: reading the
/// system's certificate store costs about 18 M instructions, nine tenths of a whole delivery, and
/// a send that never upgrades to TLS (a loopback relay without STARTTLS) does not need it.
enum Config {
    Ready(Arc<ClientConfig>),
    /// The system's roots plus these (from `--ca-file`, already checked).
    SystemRootsAnd {
        extra: RootCertStore,
        built: OnceLock<Result<Arc<ClientConfig>, rustls::Error>>,
    },
}

/// Why a TLS trust setting is unusable.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The CA file holds no certificate or one rustls refuses.
    #[error("the CA file holds no usable PEM certificate: {0}")]
    CaFile(String),
    /// rustls refused the configuration.
    #[error("the TLS configuration is invalid: {0}")]
    Config(#[from] rustls::Error),
}

impl TlsTrust {
    /// The system's root certificates plus the PEM certificates in `extra_pem` (from `--ca-file`).
    /// The CA file is checked now; the system's store is read on the first TLS handshake.
    pub fn system_roots_and(extra_pem: Option<&[u8]>) -> Result<Self, TrustError> {
        let mut extra = RootCertStore::empty();
        if let Some(pem) = extra_pem {
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| TrustError::CaFile(e.to_string()))?;
                extra
                    .add(cert)
                    .map_err(|e| TrustError::CaFile(e.to_string()))?;
            }
            // A CA file without a certificate is only an error where the system has none either.
            if extra.is_empty() && system_roots().is_empty() {
                return Err(TrustError::CaFile("no certificate found".into()));
            }
        }
        Ok(TlsTrust {
            config: Arc::new(Config::SystemRootsAnd {
                extra,
                built: OnceLock::new(),
            }),
            skips_verification: false,
        })
    }

    /// Only the PEM certificates in `pem` (tests, the demo).
    pub fn only(pem: &[u8]) -> Result<Self, TrustError> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| TrustError::CaFile(e.to_string()))?;
            roots
                .add(cert)
                .map_err(|e| TrustError::CaFile(e.to_string()))?;
        }
        Self::from_roots(roots)
    }

    /// Accepts any certificate: the connection is encrypted but the server is not authenticated.
    /// Only for a relay you control (`--insecure-skip-verify`).
    pub fn insecure_skip_verify() -> Result<Self, TrustError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth();
        Ok(TlsTrust {
            config: Arc::new(Config::Ready(Arc::new(config))),
            skips_verification: true,
        })
    }

    fn from_roots(roots: RootCertStore) -> Result<Self, TrustError> {
        Ok(TlsTrust {
            config: Arc::new(Config::Ready(verifying(roots)?)),
            skips_verification: false,
        })
    }

    /// The rustls configuration, built on first use.
    pub(crate) fn client_config(&self) -> io::Result<Arc<ClientConfig>> {
        match &*self.config {
            Config::Ready(config) => Ok(config.clone()),
            Config::SystemRootsAnd { extra, built } => built
                .get_or_init(|| {
                    let mut roots = extra.clone();
                    roots.roots.extend(system_roots().roots);
                    verifying(roots)
                })
                .clone()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e)),
        }
    }

    /// Whether any certificate is accepted ([`TlsTrust::insecure_skip_verify`]).
    pub fn skips_verification(&self) -> bool {
        self.skips_verification
    }

    /// Wraps `stream` in a TLS client session for `host`.
    pub(crate) async fn handshake(&self, host: &str, stream: BoxStream) -> io::Result<BoxStream> {
        let name = ServerName::try_from(host.to_owned())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let connector = tokio_rustls::TlsConnector::from(self.client_config()?);
        let stream = connector.connect(name, stream).await?;
        Ok(Box::new(stream))
    }
}

/// The system's root certificates. A machine without a certificate store still works with
/// `--ca-file`, so missing system roots are not an error here; a handshake against a public
/// server will say so.
fn system_roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    roots
}

/// A client configuration that verifies servers against `roots`.
fn verifying(roots: RootCertStore) -> Result<Arc<ClientConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

impl fmt::Debug for TlsTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsTrust")
    }
}

#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classified(detail: &str) -> bool {
        let error = unknown_host("relay.example.com", io::Error::other(detail.to_owned()));
        let inner = error.get_ref().expect("wrapped");
        inner
            .downcast_ref::<UnknownHost>()
            .expect("an UnknownHost")
            .temporary
    }

    #[test]
    fn a_name_that_does_not_exist_is_final_and_a_resolver_hiccup_is_not() {
        let prefix = "failed to lookup address information: ";
        assert!(!classified(&format!("{prefix}Name or service not known")));
        assert!(!classified(&format!(
            "{prefix}No address associated with hostname"
        )));
        assert!(classified(&format!(
            "{prefix}Temporary failure in name resolution"
        )));
        assert!(classified(&format!("{prefix}Try again")));
    }
}
