//! The outbox: where a deferred message waits for a later flush, safe against crashes, against
//! two flushes at once, and against the other users of a shared machine.
//!
//! An entry is three files named by its id: `ID.eml` (the exact bytes, so the Message-ID and
//! Date never change), `ID.json` (the envelope and what has been tried; its presence is what
//! makes the entry exist) and `ID.lock` (locked while a flush owns the entry). Every file is
//! written to a temporary name, synced and renamed, so a crash leaves either the old file or
//! the new one. A flush marks an entry `ID.sending` before talking to the server: if it dies
//! between the server's acceptance and the removal of the entry, the next flush sends again and
//! reports a possible duplicate. On Unix the directory is created 0700 and every file 0600:
//! kept messages (build log tails included) are nobody else's business.
//!
//! An entry leaves the outbox only when every recipient is settled: delivered, or refused for
//! good by a reply about that recipient (see [`crate::report::RecipientStatus::is_settled`]). A file that is
//! not a readable entry is [`Broken`]: listed with what is wrong, skipped by a flush, removable
//! with [`Outbox::drop_entry`]; it never stops the other entries.

mod files;
mod flush;
mod listing;

pub use flush::FlushEvent;
pub use listing::escape_controls;

use std::fs::{self, File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use lettre::Address;
use serde::{Deserialize, Serialize};

use crate::deliver::Outgoing;
use crate::report::{AttemptReport, Report};
use files::{
    create_private_dir, open_private, remove_if_present, sync_dir, write_atomically,
    write_new_atomically,
};

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
    pub attempts: Vec<AttemptReport>,
    /// A send may already have reached the server (a reply lost after the final dot, or a
    /// flush that died mid-send).
    #[serde(default)]
    pub possible_duplicate: bool,
}

/// A file in the outbox that is not a readable entry: a stray file, a truncated entry, an entry
/// whose message is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// The name `list` shows and `drop` takes: the file name without `.json`.
    pub id: String,
    /// The file that is wrong.
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// What is wrong with it.
    #[serde(rename = "broken")]
    pub problem: String,
}

/// One item of [`Outbox::list`]: an entry, or a file that should be one and is not.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Listed {
    /// A readable entry.
    Entry(EntryInfo),
    /// A file that cannot be sent as it is.
    Broken(Broken),
}

/// What [`Outbox::drop_entry`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// The entry's files are gone.
    Removed,
    /// There is no such entry.
    Missing,
    /// A flush is sending it right now.
    Busy,
}

/// An entry owned by this process until dropped: no other flush can send it meanwhile.
#[derive(Debug)]
pub struct Claim {
    outbox: Outbox,
    info: EntryInfo,
    lock: File,
}

impl Outbox {
    /// The outbox in `dir`, created (0700 on Unix) if missing.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Outbox> {
        let dir = dir.into();
        create_private_dir(&dir)?;
        Ok(Outbox { dir })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Keeps the recipients of `report` that are not settled, with the exact bytes of
    /// `message`. Returns the new entry's id.
    pub fn save(&self, message: &Outgoing, report: &Report) -> io::Result<String> {
        let id = self.reserve(&message.bytes)?;
        let info = EntryInfo {
            id: id.clone(),
            message_id: message.message_id.clone(),
            from: message
                .from
                .as_ref()
                .map(Address::to_string)
                .unwrap_or_default(),
            to: unsettled(report),
            saved_at: unix_now(),
            attempts: report.attempts.clone(),
            possible_duplicate: report.possible_duplicate,
        };
        self.write_info(&info)?;
        Ok(id)
    }

    /// Writes a new entry's message under a fresh id and returns the id; an id another save
    /// took in the same millisecond is drawn again rather than overwritten.
    fn reserve(&self, bytes: &[u8]) -> io::Result<String> {
        let mut tries = 0;
        loop {
            let id = new_id();
            match write_new_atomically(&self.path(&id, "eml"), bytes) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 8 => tries += 1,
                done => return done.map(|()| id),
            }
        }
    }

    /// Every entry, oldest first, then every broken one by name. Fails only when the directory
    /// cannot be read; a file that cannot is listed as broken.
    pub fn list(&self) -> io::Result<Vec<Listed>> {
        let mut entries = Vec::new();
        let mut broken = Vec::new();
        for file in fs::read_dir(&self.dir)? {
            let path = file?.path();
            let Some(id) = entry_name(&path) else {
                continue;
            };
            match self.read_entry(&id) {
                Ok(Some(info)) => entries.push(info),
                Ok(None) => {} // removed by a flush between read_dir and here
                Err(problem) => broken.push(Broken { id, path, problem }),
            }
        }
        entries.sort_by(|a: &EntryInfo, b| (a.saved_at, &a.id).cmp(&(b.saved_at, &b.id)));
        broken.sort_by(|a, b| a.id.cmp(&b.id));
        let entries = entries.into_iter().map(Listed::Entry);
        Ok(entries
            .chain(broken.into_iter().map(Listed::Broken))
            .collect())
    }

    /// Takes the entry `id` for this process: `None` when another process holds it or it is
    /// gone (sent and removed by another flush); an error naming the file when it is broken.
    pub fn claim(&self, id: &str) -> Result<Option<Claim>, Broken> {
        if !is_entry_name(id) {
            return Ok(None);
        }
        let broken = |problem: String| Broken {
            id: id.to_owned(),
            path: self.path(id, "json"),
            problem,
        };
        let Some(lock) = self
            .lock(id)
            .map_err(|e| broken(format!("cannot lock it: {e}")))?
        else {
            return Ok(None);
        };
        // Read only after locking: a flush that finished meanwhile has removed the entry.
        match self.read_entry(id).map_err(broken)? {
            Some(info) => Ok(Some(Claim {
                outbox: self.clone(),
                info,
                lock,
            })),
            None => {
                let _ = fs::remove_file(self.path(id, "lock"));
                Ok(None)
            }
        }
    }

    /// Removes the entry `id` without sending it, broken or not, unless a flush holds it.
    pub fn drop_entry(&self, id: &str) -> io::Result<Dropped> {
        if !is_entry_name(id) {
            return Ok(Dropped::Missing);
        }
        let Some(lock) = self.lock(id)? else {
            return Ok(Dropped::Busy);
        };
        let exists = ["json", "eml"]
            .iter()
            .any(|ext| self.path(id, ext).exists());
        let dropped = if exists {
            self.remove_files(id)?;
            Dropped::Removed
        } else {
            remove_if_present(&self.path(id, "lock"))?;
            Dropped::Missing
        };
        drop(lock);
        Ok(dropped)
    }

    /// The entry `id` as its files say: `None` when it is gone, the problem when it is broken.
    fn read_entry(&self, id: &str) -> Result<Option<EntryInfo>, String> {
        let json = self.path(id, "json");
        let bytes = match fs::read(&json) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("unreadable: {e}")),
        };
        let info: EntryInfo =
            serde_json::from_slice(&bytes).map_err(|e| format!("not an outbox entry: {e}"))?;
        if info.id != id {
            return Err(format!("names entry {:?}, not its own file name", info.id));
        }
        if !self.path(id, "eml").is_file() {
            return Err(format!("its message {id}.eml is missing"));
        }
        envelope(&info).map_err(|e| format!("an invalid address: {e}"))?;
        Ok(Some(info))
    }

    /// Locks `id` for this process; `None` when another holds it.
    fn lock(&self, id: &str) -> io::Result<Option<File>> {
        let lock = open_private(&self.path(id, "lock"))?;
        match lock.try_lock() {
            Ok(()) => Ok(Some(lock)),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }

    fn remove_files(&self, id: &str) -> io::Result<()> {
        // The JSON goes first: once it is gone the entry no longer exists for any flush.
        remove_if_present(&self.path(id, "json"))?;
        sync_dir(&self.dir)?;
        for extension in ["eml", "sending", "lock"] {
            remove_if_present(&self.path(id, extension))?;
        }
        Ok(())
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
        let (from, to) = envelope(&self.info).map_err(invalid)?;
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

    /// Records a delivery that left recipients unsettled: the entry stays, with them only, so
    /// nobody who has the message gets it again. Removes the entry when nobody is left.
    pub fn keep(mut self, report: &Report) -> io::Result<()> {
        self.info.to = unsettled(report);
        self.info.attempts.extend(report.attempts.iter().cloned());
        self.info.possible_duplicate |= report.possible_duplicate;
        if self.info.to.is_empty() {
            return self.remove();
        }
        self.outbox.write_info(&self.info)?;
        remove_if_present(&self.outbox.path(&self.info.id, "sending"))
    }

    /// Gives the entry back untouched, for a later flush, no longer marked as being sent.
    pub fn release(self) -> io::Result<()> {
        remove_if_present(&self.outbox.path(&self.info.id, "sending"))
    }

    /// Removes the entry: every recipient is settled, nothing is left to do.
    pub fn remove(self) -> io::Result<()> {
        self.outbox.remove_files(&self.info.id)?;
        drop(self.lock);
        Ok(())
    }
}

/// The recipients still waiting: deferred, or never offered because the session was refused.
fn unsettled(report: &Report) -> Vec<String> {
    report
        .recipients
        .iter()
        .filter(|r| !r.status.is_settled())
        .map(|r| r.address.clone())
        .collect()
}

/// The envelope of an entry, parsed.
fn envelope(
    info: &EntryInfo,
) -> Result<(Option<Address>, Vec<Address>), lettre::address::AddressError> {
    let from = match info.from.as_str() {
        "" => None,
        address => Some(address.parse()?),
    };
    let to = info
        .to
        .iter()
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    Ok((from, to))
}

/// A path in JSON even when it is not UTF-8: a stray file's name can be anything.
fn lossy_path<S: serde::Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&path.to_string_lossy())
}

/// The entry name of an outbox file: the stem of a `.json` file that is not a temporary one.
fn entry_name(path: &Path) -> Option<String> {
    if path.extension()? != "json" {
        return None;
    }
    let stem = path.file_stem()?.to_str()?;
    is_entry_name(stem).then(|| stem.to_owned())
}

fn new_id() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    format!("{millis:013x}-{:06x}", fastrand::u32(..0x100_0000))
}

/// A plain file name (our ids, or a stray file's stem): `drop ID` can never reach outside the
/// directory, nor name a temporary file.
fn is_entry_name(id: &str) -> bool {
    !id.is_empty() && !id.starts_with('.') && !id.contains(['/', '\\', '\0'])
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
    use crate::report::{DeliveryStatus, RecipientReport, RecipientStatus};

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
            status: DeliveryStatus::Deferred,
            message_id: "<m@x>".into(),
            elapsed_ms: 0,
            possible_duplicate: false,
            recipients,
            attempts: Vec::new(),
            explanation: None,
            reason: None,
            warnings: Vec::new(),
            outbox_id: None,
            kept: None,
            added_recipients: Vec::new(),
        }
    }

    #[test]
    fn a_save_that_draws_a_taken_id_draws_again_and_replaces_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let deferred = report(&[("a@example.com", RecipientStatus::Deferred)]);
        let now = || {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis()
        };
        // The id is the millisecond and 24 random bits. With the generator seeded, the first
        // draw is known: every id it can give in the next 100 ms is taken, then the message is
        // saved. A save that started later than that proves nothing, and is tried again with
        // twice the window (a slow disk).
        let mut window = 100;
        for _ in 0..8 {
            fastrand::seed(16);
            let random = fastrand::u32(..0x100_0000);
            let taken = |millis: u128| dir.path().join(format!("{millis:013x}-{random:06x}.eml"));
            let from = now();
            for millis in from..from + window {
                fs::write(taken(millis), b"another entry").unwrap();
            }
            fastrand::seed(16);
            let id = outbox.save(&message(), &deferred).unwrap();
            let millis = u128::from_str_radix(&id[..13], 16).unwrap();
            if millis >= from + window {
                window *= 2;
                continue;
            }
            assert!(!id.ends_with(&format!("-{random:06x}")), "{id}");
            let claim = outbox.claim(&id).unwrap().unwrap();
            assert_eq!(claim.outgoing().unwrap().bytes, message().bytes);
            assert_eq!(fs::read(taken(millis)).unwrap(), b"another entry");
            return;
        }
        panic!("no save started within the window of ids taken before it, in 8 tries");
    }

    #[test]
    fn a_save_into_a_directory_that_vanished_fails() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        fs::remove_dir_all(dir.path()).unwrap();
        let deferred = report(&[("a@example.com", RecipientStatus::Deferred)]);
        let error = outbox.save(&message(), &deferred).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
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
    fn a_recipient_never_offered_stays_and_one_refused_at_rcpt_leaves() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let saved = report(&[
            ("a@example.com", RecipientStatus::Rejected),
            ("b@example.com", RecipientStatus::NotSent),
        ]);
        let id = outbox.save(&message(), &saved).unwrap();
        let claim = outbox.claim(&id).unwrap().unwrap();
        assert_eq!(claim.info().to, ["b@example.com"]);
    }

    #[test]
    fn attempts_are_kept_as_the_report_shows_them() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let mut saved = report(&[("a@example.com", RecipientStatus::Deferred)]);
        saved.attempts.push(AttemptReport {
            number: 1,
            server: "relay:25".into(),
            phase: crate::Phase::Mail,
            outcome: crate::report::AttemptOutcome::Transient,
            reply: Some(crate::Reply::parse("451 4.7.1 Try again in 1 hour").unwrap()),
            category: Some(crate::Category::RateLimit),
            title: None,
            waited_ms: 0,
            relay_dropped: false,
        });
        let id = outbox.save(&message(), &saved).unwrap();
        let claim = outbox.claim(&id).unwrap().unwrap();
        assert_eq!(claim.info().attempts, saved.attempts);
    }

    #[test]
    fn broken_files_are_listed_with_what_is_wrong_and_can_be_dropped() {
        let (dir, outbox, good) = one_deferred_entry();
        fs::write(dir.path().join("notes.json"), "{\"todo\": 1}").unwrap();
        let deferred = report(&[("a@example.com", RecipientStatus::Deferred)]);
        let truncated = outbox.save(&message(), &deferred).unwrap();
        let json = outbox.path(&truncated, "json");
        let text = fs::read_to_string(&json).unwrap();
        fs::write(&json, &text[..text.len() / 2]).unwrap();
        let no_eml = outbox.save(&message(), &deferred).unwrap();
        fs::remove_file(outbox.path(&no_eml, "eml")).unwrap();

        let listed = outbox.list().unwrap();
        assert!(
            matches!(&listed[0], Listed::Entry(e) if e.id == good),
            "{listed:?}"
        );
        let broken: Vec<&Broken> = listed
            .iter()
            .filter_map(|l| match l {
                Listed::Broken(b) => Some(b),
                Listed::Entry(_) => None,
            })
            .collect();
        assert_eq!(broken.len(), 3, "{listed:?}");
        let problem = |id: &str| &broken.iter().find(|b| b.id == id).unwrap().problem;
        assert!(problem("notes").starts_with("not an outbox entry"));
        assert!(problem(&truncated).starts_with("not an outbox entry"));
        assert!(problem(&no_eml).contains(".eml is missing"));
        assert!(matches!(outbox.claim(&truncated), Err(b) if b.path == json));

        for id in ["notes", truncated.as_str(), no_eml.as_str()] {
            assert_eq!(outbox.drop_entry(id).unwrap(), Dropped::Removed, "{id}");
        }
        assert_eq!(outbox.list().unwrap().len(), 1);
        assert_eq!(outbox.drop_entry("notes").unwrap(), Dropped::Missing);
    }

    #[test]
    fn an_entry_being_sent_cannot_be_dropped() {
        let (_dir, outbox, id) = one_deferred_entry();
        let claim = outbox.claim(&id).unwrap().unwrap();
        assert_eq!(outbox.drop_entry(&id).unwrap(), Dropped::Busy);
        drop(claim);
        assert_eq!(outbox.drop_entry(&id).unwrap(), Dropped::Removed);
    }

    #[cfg(unix)]
    #[test]
    fn the_directory_and_every_file_are_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("outbox");
        let outbox = Outbox::open(&dir).unwrap();
        let id = outbox
            .save(
                &message(),
                &report(&[("a@example.com", RecipientStatus::Deferred)]),
            )
            .unwrap();
        outbox.claim(&id).unwrap().unwrap().mark_sending().unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        for file in fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
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
    fn an_entry_says_when_it_was_saved() {
        let now = || {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs()
        };
        let before = now();
        let (_dir, outbox, id) = one_deferred_entry();
        let after = now();
        let listed = outbox.list().unwrap();
        let [Listed::Entry(entry)] = listed.as_slice() else {
            panic!("{listed:?}");
        };
        assert_eq!(entry.id, id);
        assert!(
            (before..=after).contains(&entry.saved_at),
            "saved_at {} outside {before}..={after}",
            entry.saved_at
        );
    }

    #[test]
    fn a_possible_duplicate_stays_flagged_through_later_deferrals() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let mut lost_reply = report(&[("a@example.com", RecipientStatus::Deferred)]);
        lost_reply.possible_duplicate = true;
        let id = outbox.save(&message(), &lost_reply).unwrap();
        // A later flush is deferred cleanly: the message may still have reached the server
        // the first time.
        let deferred = report(&[("a@example.com", RecipientStatus::Deferred)]);
        outbox.claim(&id).unwrap().unwrap().keep(&deferred).unwrap();
        let again = outbox.claim(&id).unwrap().unwrap();
        assert!(again.info().possible_duplicate);
        assert!(again.outgoing().unwrap().possibly_sent_before);
        assert!(again.info().line().ends_with(", possible duplicate)"));
    }

    #[test]
    fn an_entry_released_unsent_is_not_a_possible_duplicate() {
        let (_dir, outbox, id) = one_deferred_entry();
        let claim = outbox.claim(&id).unwrap().unwrap();
        claim.mark_sending().unwrap();
        claim.release().unwrap();
        let again = outbox.claim(&id).unwrap().unwrap();
        assert!(!again.outgoing().unwrap().possibly_sent_before);
    }

    /// A directory named like an entry: reading it fails with an error other than "not found".
    #[test]
    fn an_unreadable_entry_is_listed_as_broken_and_never_reported_dropped_while_there() {
        let (dir, outbox, good) = one_deferred_entry();
        let stray = dir.path().join("stray.json");
        fs::create_dir(&stray).unwrap();
        fs::write(stray.join("inside"), b"x").unwrap();
        let listed = outbox.list().unwrap();
        assert!(
            matches!(&listed[..], [Listed::Entry(e), Listed::Broken(b)]
                if e.id == good && b.id == "stray" && b.problem.starts_with("unreadable")),
            "{listed:?}"
        );
        // A file that cannot be removed is an error, never a drop that left it in place.
        assert!(outbox.drop_entry("stray").is_err());
        assert_eq!(outbox.list().unwrap().len(), 2);
    }

    #[test]
    fn ids_cannot_leave_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        assert!(outbox.claim("../etc/passwd").unwrap().is_none());
        // A name that does not start with a dot can still climb out through a slash.
        fs::create_dir(dir.path().join("x")).unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("stolen.eml"), b"x").unwrap();
        fs::write(outside.path().join("stolen.json"), b"{}").unwrap();
        let climbing = format!(
            "x/../../{}/stolen",
            outside.path().file_name().unwrap().to_string_lossy()
        );
        assert!(outbox.claim(&climbing).unwrap().is_none());
    }
}
