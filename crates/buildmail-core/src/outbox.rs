//! The outbox: where a deferred message waits for a later `flush`, safe against crashes and
//! against two flushes at once.
//!
//! An entry is three files named by its id: `ID.eml` (the exact bytes, so the Message-ID and
//! Date never change), `ID.json` (the envelope and what has been tried; its presence is what
//! makes the entry exist) and `ID.lock` (locked while a flush owns the entry). Every file is
//! written to a temporary name, synced and renamed, so a crash leaves either the old file or
//! the new one. A flush marks an entry `ID.sending` before talking to the server: if it dies
//! between the server's acceptance and the removal of the entry, the next flush sends again and
//! reports a possible duplicate.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use lettre::Address;
use serde::{Deserialize, Serialize};

use crate::deliver::Outgoing;
use crate::report::{RecipientStatus, Report};

/// A directory of deferred messages.
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
}

/// What the outbox knows about an entry (`ID.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryInfo {
    /// The entry's id, for `outbox drop ID`.
    pub id: String,
    /// The message's Message-ID.
    pub message_id: String,
    /// The envelope sender; empty for the null sender.
    pub from: String,
    /// The recipients still waiting for it.
    pub to: Vec<String>,
    /// When it was first saved, in seconds since the Unix epoch.
    pub saved_at: u64,
    /// Every attempt so far, as the JSON report shows attempts.
    pub attempts: Vec<serde_json::Value>,
    /// A send may already have reached the server (a reply lost after the final dot, or a
    /// flush that died mid-send).
    #[serde(default)]
    pub possible_duplicate: bool,
}

/// An entry owned by this process until dropped: no other flush can send it meanwhile.
#[derive(Debug)]
pub struct Claim {
    outbox: Outbox,
    info: EntryInfo,
    lock: File,
}

impl Outbox {
    /// The outbox in `dir`, created if missing.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Outbox> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        Ok(Outbox { dir })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Keeps the recipients of `report` that are still deferred, with the exact bytes of
    /// `message`. Returns the new entry's id.
    pub fn save(&self, message: &Outgoing, report: &Report) -> io::Result<String> {
        let id = new_id();
        let info = EntryInfo {
            id: id.clone(),
            message_id: message.message_id.clone(),
            from: message
                .from
                .as_ref()
                .map(Address::to_string)
                .unwrap_or_default(),
            to: deferred(report),
            saved_at: unix_now(),
            attempts: attempts_json(report),
            possible_duplicate: report.possible_duplicate,
        };
        write_atomically(&self.path(&id, "eml"), &message.bytes)?;
        self.write_info(&info)?;
        Ok(id)
    }

    /// Every entry, oldest first.
    pub fn list(&self) -> io::Result<Vec<EntryInfo>> {
        let mut entries = Vec::new();
        for file in fs::read_dir(&self.dir)? {
            let path = file?.path();
            if path.extension().is_some_and(|ext| ext == "json") {
                match fs::read(&path) {
                    Ok(bytes) => entries.push(serde_json::from_slice(&bytes).map_err(invalid)?),
                    // Removed by a flush between read_dir and here.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        entries.sort_by(|a: &EntryInfo, b| (a.saved_at, &a.id).cmp(&(b.saved_at, &b.id)));
        Ok(entries)
    }

    /// Takes the entry `id` for this process: `None` when another process holds it or it is
    /// gone (sent and removed by another flush).
    pub fn claim(&self, id: &str) -> io::Result<Option<Claim>> {
        if !is_valid_id(id) {
            return Ok(None);
        }
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.path(id, "lock"))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(e),
        }
        // Read only after locking: a flush that finished meanwhile has removed the entry.
        let info = match fs::read(self.path(id, "json")) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(invalid)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let _ = fs::remove_file(self.path(id, "lock"));
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        Ok(Some(Claim {
            outbox: self.clone(),
            info,
            lock,
        }))
    }

    fn write_info(&self, info: &EntryInfo) -> io::Result<()> {
        let json = serde_json::to_vec_pretty(info).map_err(invalid)?;
        write_atomically(&self.path(&info.id, "json"), &json)
    }

    fn path(&self, id: &str, extension: &str) -> PathBuf {
        self.dir.join(format!("{id}.{extension}"))
    }
}

impl Claim {
    /// What the outbox knows about the entry.
    pub fn info(&self) -> &EntryInfo {
        &self.info
    }

    /// The message as it was first sent, to the recipients still waiting for it.
    pub fn outgoing(&self) -> io::Result<Outgoing> {
        let bytes = fs::read(self.outbox.path(&self.info.id, "eml"))?;
        let parse = |address: &str| address.parse::<Address>().map_err(invalid);
        let from = match self.info.from.as_str() {
            "" => None,
            address => Some(parse(address)?),
        };
        let to = self
            .info
            .to
            .iter()
            .map(|a| parse(a))
            .collect::<io::Result<_>>()?;
        let sending = self.outbox.path(&self.info.id, "sending").exists();
        Ok(Outgoing {
            from,
            to,
            bytes,
            message_id: self.info.message_id.clone(),
            possibly_sent_before: self.info.possible_duplicate || sending,
        })
    }

    /// Marks the entry as being sent, durably, before the first byte goes to the server.
    pub fn mark_sending(&self) -> io::Result<()> {
        write_atomically(&self.outbox.path(&self.info.id, "sending"), b"")
    }

    /// Records a delivery that left recipients deferred: the entry stays, with them only.
    pub fn keep(mut self, report: &Report) -> io::Result<()> {
        self.info.to = deferred(report);
        self.info.attempts.extend(attempts_json(report));
        self.info.possible_duplicate |= report.possible_duplicate;
        if self.info.to.is_empty() {
            return self.remove();
        }
        self.outbox.write_info(&self.info)?;
        remove_if_present(&self.outbox.path(&self.info.id, "sending"))
    }

    /// Gives the entry back untouched, for a later flush: nothing of it reached the server (the
    /// flush could not log in or set up TLS), so it is no longer marked as being sent.
    pub fn release(self) -> io::Result<()> {
        remove_if_present(&self.outbox.path(&self.info.id, "sending"))
    }

    /// Removes the entry: its message was accepted (or refused for good), nothing is left to do.
    pub fn remove(self) -> io::Result<()> {
        let path = |ext| self.outbox.path(&self.info.id, ext);
        // The JSON goes first: once it is gone the entry no longer exists for any flush.
        remove_if_present(&path("json"))?;
        sync_dir(&self.outbox.dir)?;
        remove_if_present(&path("eml"))?;
        remove_if_present(&path("sending"))?;
        remove_if_present(&path("lock"))?;
        drop(self.lock);
        Ok(())
    }
}

fn deferred(report: &Report) -> Vec<String> {
    report
        .recipients
        .iter()
        .filter(|r| r.status == RecipientStatus::Deferred)
        .map(|r| r.address.clone())
        .collect()
}

fn attempts_json(report: &Report) -> Vec<serde_json::Value> {
    report
        .attempts
        .iter()
        .filter_map(|attempt| serde_json::to_value(attempt).ok())
        .collect()
}

/// Writes `bytes` to `path` so that a crash leaves the old file or the new one, never a part.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut file = File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&temporary, path)?;
    sync_dir(dir)
}

/// Makes a rename or removal durable (on Unix, a directory's entries are synced separately).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn new_id() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    format!("{millis:013x}-{:06x}", fastrand::u32(..0x100_0000))
}

/// Ids are ours: hex digits and a dash, so `drop ID` can never reach outside the directory.
fn is_valid_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn invalid(error: impl std::error::Error + Send + Sync + 'static) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{RecipientReport, Status};

    fn message() -> Outgoing {
        Outgoing {
            from: Some("ci@example.com".parse().unwrap()),
            to: vec![
                "a@example.com".parse().unwrap(),
                "b@example.com".parse().unwrap(),
            ],
            bytes: b"Message-ID: <m@x>\r\n\r\nbody\r\n".to_vec(),
            message_id: "<m@x>".into(),
            possibly_sent_before: false,
        }
    }

    /// An outbox in a fresh directory (kept alive by the returned guard) with one entry.
    fn one_deferred_entry() -> (tempfile::TempDir, Outbox, String) {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let id = outbox
            .save(
                &message(),
                &report(&[("a@example.com", RecipientStatus::Deferred)]),
            )
            .unwrap();
        (dir, outbox, id)
    }

    fn report(statuses: &[(&str, RecipientStatus)]) -> Report {
        let recipients: Vec<RecipientReport> = statuses
            .iter()
            .map(|(address, status)| RecipientReport {
                address: (*address).into(),
                status: *status,
                reply: None,
                server: None,
            })
            .collect();
        Report {
            status: Status::Deferred,
            message_id: "<m@x>".into(),
            elapsed_ms: 0,
            possible_duplicate: false,
            recipients,
            attempts: Vec::new(),
            explanation: None,
            reason: None,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn keeps_only_the_deferred_recipients_and_the_exact_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let saved = report(&[
            ("a@example.com", RecipientStatus::Delivered),
            ("b@example.com", RecipientStatus::Deferred),
        ]);
        let id = outbox.save(&message(), &saved).unwrap();
        let claim = outbox.claim(&id).unwrap().unwrap();
        let outgoing = claim.outgoing().unwrap();
        assert_eq!(outgoing.bytes, message().bytes);
        assert_eq!(
            outgoing.to,
            vec!["b@example.com".parse::<Address>().unwrap()]
        );
        assert!(!outgoing.possibly_sent_before);
    }

    #[test]
    fn an_entry_claimed_by_one_flush_is_invisible_to_another() {
        let (_dir, outbox, id) = one_deferred_entry();
        let first = outbox.claim(&id).unwrap().expect("free");
        assert!(outbox.claim(&id).unwrap().is_none(), "held by the first");
        first.remove().unwrap();
        assert!(outbox.claim(&id).unwrap().is_none(), "gone");
        assert!(outbox.list().unwrap().is_empty());
    }

    #[test]
    fn a_flush_that_died_mid_send_makes_the_next_one_report_a_possible_duplicate() {
        let (_dir, outbox, id) = one_deferred_entry();
        let claim = outbox.claim(&id).unwrap().unwrap();
        claim.mark_sending().unwrap();
        drop(claim); // the process dies: its lock goes with it
        let again = outbox.claim(&id).unwrap().unwrap();
        assert!(again.outgoing().unwrap().possibly_sent_before);
    }

    #[test]
    fn ids_cannot_leave_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        assert!(outbox.claim("../etc/passwd").unwrap().is_none());
    }
}
