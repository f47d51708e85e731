//! The layout of an Automerge change chunk, walked before Automerge decodes it.
//!
//! automerge 0.12 trusts the lengths written inside a change's columns: a string that claims
//! 800 MB is allocated (zeroed) before its decoder finds the bytes are not there, and a
//! run-length column can claim billions of operations in a few bytes, which Automerge then
//! iterates and, once applied, keeps. This walk reads every length prefix and every run
//! against the bytes actually present, counts the operations, and allocates nothing, so a
//! crafted change is refused with a reason instead of taking the phone's memory.
//!
//! It follows the binary format Automerge writes (chunk header, change header, column
//! metadata, then columns encoded by type) and is deliberately no stricter than Automerge
//! itself on anything a real change contains: every change our documents make passes it (see
//! the tests), and what it refuses Automerge would refuse or could not hold.

/// The most operations one change may carry. A record's largest legitimate change (a contact
/// written whole, every free-text field at its bound) is a few hundred thousand operations.
pub const MAX_CHANGE_OPS: u64 = 1 << 20;

/// Rows any one column may claim: predecessor columns hold one row per predecessor, which a
/// concurrent edit can make a few per operation.
const MAX_COLUMN_ROWS: u64 = 4 * MAX_CHANGE_OPS;

const CHUNK_MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT_CHUNK: u8 = 0;
const CHANGE_CHUNK: u8 = 1;

/// Column types, the low three bits of a column specification.
mod column_type {
    pub(super) const GROUP: u32 = 0;
    pub(super) const ACTOR: u32 = 1;
    pub(super) const INTEGER: u32 = 2;
    pub(super) const DELTA_INTEGER: u32 = 3;
    pub(super) const BOOLEAN: u32 = 4;
    pub(super) const STRING: u32 = 5;
    pub(super) const VALUE_METADATA: u32 = 6;
    #[cfg(test)]
    pub(super) const VALUE: u32 = 7;
}
const DEFLATE_BIT: u32 = 0b1000;
/// The column holding each operation's action: its rows are the change's operations.
const ACTION_COLUMN_ID: u32 = 4;

/// Why a change chunk's layout was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    #[error("not an uncompressed change chunk")]
    NotAChange,
    #[error("not an Automerge chunk")]
    NotAChunk,
    #[error("{0} runs past the end of the change")]
    Truncated(&'static str),
    #[error("{0} is not a valid LEB128 number")]
    BadNumber(&'static str),
    #[error("column {0} is compressed (Automerge would inflate it without a cap)")]
    CompressedColumn(u32),
    #[error("column {column} claims more than {max} rows")]
    TooManyRows { column: u32, max: u64 },
    #[error("more than {MAX_CHANGE_OPS} operations in one change")]
    TooManyOps,
    #[error("column {0}'s values claim more bytes than the value column holds")]
    ValuesOverrun(u32),
    #[error("a chunk of type {0}, which a store never holds")]
    UnexpectedChunk(u8),
}

/// What the walk learned of a change that passed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeLayout {
    /// Operations in the change (the action column's rows).
    pub ops: u64,
    /// The operations' actions, one bit per action number (bit 63: any number from 63 up).
    pub actions: u64,
}

/// Automerge's action numbers, as the action column holds them.
pub mod action {
    pub const MAKE_MAP: u32 = 0;
    pub const PUT: u32 = 1;
    pub const MAKE_LIST: u32 = 2;
    pub const DELETE: u32 = 3;
    pub const MAKE_TEXT: u32 = 4;
    pub const INCREMENT: u32 = 5;
    pub const MAKE_TABLE: u32 = 6;
    /// A rich-text mark (its begin and end).
    pub const MARK: u32 = 7;
}

/// Walks what a store keeps of a document (a snapshot, increments, or both back to back) before
/// Automerge loads it: a store holds only whole-document chunks (`save`) and plain change chunks
/// (`Change::raw_bytes`), and each change is walked like one from a peer. A damaged store's
/// bytes are thus refused, not decoded: a fuzzed "bundle" chunk of 600 bytes made Automerge 0.12
/// collect a 512 MB column, and a compressed chunk inflates without a cap. Document chunks are
/// not walked (their columns have another layout); they only ever come from this device.
pub fn check_stored_chunks(mut bytes: &[u8]) -> Result<(), LayoutError> {
    while !bytes.is_empty() {
        let mut r = Reader::new(bytes);
        if r.take(4, "the chunk header")? != CHUNK_MAGIC {
            return Err(LayoutError::NotAChunk);
        }
        r.take(4, "the checksum")?;
        let kind = r.byte("the chunk type")?;
        let len = r.length("the chunk length")?;
        r.take(len, "the chunk")?;
        let (chunk, rest) = bytes.split_at(bytes.len() - r.remaining());
        match kind {
            DOCUMENT_CHUNK => {}
            CHANGE_CHUNK => {
                check_change_layout(chunk)?;
            }
            other => return Err(LayoutError::UnexpectedChunk(other)),
        }
        bytes = rest;
    }
    Ok(())
}

/// Walks one change chunk (the bytes Automerge's `Change::raw_bytes` gives) without decoding
/// any value.
pub fn check_change_layout(bytes: &[u8]) -> Result<ChangeLayout, LayoutError> {
    let mut r = Reader::new(bytes);
    if r.take(4, "the chunk header")? != CHUNK_MAGIC {
        return Err(LayoutError::NotAChange);
    }
    r.take(4, "the checksum")?;
    if r.byte("the chunk type")? != CHANGE_CHUNK {
        return Err(LayoutError::NotAChange);
    }
    let len = r.length("the chunk length")?;
    let mut r = Reader::new(r.take(len, "the chunk")?);

    let deps = r.length("the dependency count")?;
    r.take(
        deps.checked_mul(32)
            .ok_or(LayoutError::Truncated("dependencies"))?,
        "dependencies",
    )?;
    let actor = r.length("the author's length")?;
    r.take(actor, "the author")?;
    r.unsigned("the sequence number")?;
    r.unsigned("the start operation")?;
    r.signed("the time")?;
    let message = r.length("the message length")?;
    r.take(message, "the message")?;
    let others = r.length("the other actors' count")?;
    for _ in 0..others {
        let actor = r.length("another actor's length")?;
        r.take(actor, "another actor")?;
    }

    let columns = r.length("the column count")?;
    // Each column's metadata takes at least two bytes: the count cannot exceed what is left.
    if columns > r.remaining() / 2 {
        return Err(LayoutError::Truncated("the column metadata"));
    }
    let mut specs = Vec::with_capacity(columns);
    for _ in 0..columns {
        let spec = r.unsigned("a column specification")?;
        let spec =
            u32::try_from(spec).map_err(|_| LayoutError::BadNumber("a column specification"))?;
        let len = r.length("a column's length")?;
        specs.push((spec, len));
    }
    let mut ops = 0;
    let mut actions = 0;
    let mut value_bytes_claimed: Vec<(u32, u64)> = Vec::new();
    let mut value_bytes_held: Vec<(u32, u64)> = Vec::new();
    for &(spec, len) in &specs {
        let data = r.take(len, "a column")?;
        if spec & DEFLATE_BIT != 0 {
            return Err(LayoutError::CompressedColumn(spec >> 4));
        }
        let id = spec >> 4;
        let rows = match spec & 0b111 {
            column_type::GROUP | column_type::ACTOR | column_type::INTEGER => {
                walk_runs(data, id, Value::Unsigned)?.rows
            }
            column_type::DELTA_INTEGER => walk_runs(data, id, Value::Signed)?.rows,
            column_type::STRING => walk_runs(data, id, Value::Bytes)?.rows,
            column_type::VALUE_METADATA => {
                let walk = walk_runs(data, id, Value::Metadata)?;
                value_bytes_claimed.push((id, walk.value_bytes));
                walk.rows
            }
            column_type::BOOLEAN => walk_booleans(data, id)?,
            // The eighth type, `column_type::VALUE`: raw bytes, read through its metadata.
            _ => {
                value_bytes_held.push((id, data.len() as u64));
                0
            }
        };
        if id == ACTION_COLUMN_ID && spec & 0b111 == column_type::INTEGER {
            if rows > MAX_CHANGE_OPS {
                return Err(LayoutError::TooManyOps);
            }
            ops = rows;
            actions = action_set(data)?;
        }
    }
    for (id, claimed) in value_bytes_claimed {
        let held = value_bytes_held
            .iter()
            .find(|(held_id, _)| *held_id == id)
            .map_or(0, |(_, held)| *held);
        if claimed > held {
            return Err(LayoutError::ValuesOverrun(id));
        }
    }
    Ok(ChangeLayout { ops, actions })
}

/// How one value inside a run-length column is written.
#[derive(Clone, Copy)]
enum Value {
    Unsigned,
    Signed,
    /// A length, then that many bytes (strings).
    Bytes,
    /// A value's metadata: its length in the value column, shifted left by four, and its type.
    Metadata,
}

struct RunWalk {
    rows: u64,
    /// For metadata columns, the bytes the values claim in their value column.
    value_bytes: u64,
}

/// Automerge's run-length encoding: a signed count; above zero, one value repeated; below
/// zero, that many literal values; zero, then an unsigned count of nulls.
fn walk_runs(data: &[u8], column: u32, value: Value) -> Result<RunWalk, LayoutError> {
    let mut r = Reader::new(data);
    let mut rows: u64 = 0;
    let mut value_bytes: u64 = 0;
    let too_many = LayoutError::TooManyRows {
        column,
        max: MAX_COLUMN_ROWS,
    };
    while r.remaining() > 0 {
        let count = r.signed("a run's length")?;
        let (run, values) = match count {
            1.. => (count.unsigned_abs(), 1),
            ..0 => (count.unsigned_abs(), count.unsigned_abs()),
            0 => (r.unsigned("a run of nulls")?, 0),
        };
        rows = rows.saturating_add(run);
        if rows > MAX_COLUMN_ROWS {
            return Err(too_many);
        }
        for _ in 0..values {
            let claimed = match value {
                Value::Unsigned => {
                    r.unsigned("a value")?;
                    0
                }
                Value::Signed => {
                    r.signed("a value")?;
                    0
                }
                Value::Bytes => {
                    let len = r.length("a string's length")?;
                    r.take(len, "a string")?;
                    0
                }
                Value::Metadata => r.unsigned("a value's metadata")? >> 4,
            };
            // A repeated run claims its value's bytes once per row.
            let times = if count > 0 { run } else { 1 };
            value_bytes = value_bytes.saturating_add(claimed.saturating_mul(times));
        }
    }
    Ok(RunWalk { rows, value_bytes })
}

/// The actions an action column holds (it passed [`walk_runs`] already), as a bit set.
fn action_set(data: &[u8]) -> Result<u64, LayoutError> {
    let mut r = Reader::new(data);
    let mut set = 0u64;
    while r.remaining() > 0 {
        let count = r.signed("a run's length")?;
        let values = match count {
            1.. => 1,
            ..0 => count.unsigned_abs(),
            0 => {
                r.unsigned("a run of nulls")?;
                0
            }
        };
        for _ in 0..values {
            set |= 1 << r.unsigned("an action")?.min(63);
        }
    }
    Ok(set)
}

/// Automerge's boolean encoding: unsigned counts of alternating false and true runs.
fn walk_booleans(data: &[u8], column: u32) -> Result<u64, LayoutError> {
    let mut r = Reader::new(data);
    let mut rows: u64 = 0;
    while r.remaining() > 0 {
        rows = rows.saturating_add(r.unsigned("a run of booleans")?);
        if rows > MAX_COLUMN_ROWS {
            return Err(LayoutError::TooManyRows {
                column,
                max: MAX_COLUMN_ROWS,
            });
        }
    }
    Ok(rows)
}

/// Reads numbers and slices off a byte slice; every read is checked against what is there.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn remaining(&self) -> usize {
        self.bytes.len()
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], LayoutError> {
        if n > self.bytes.len() {
            return Err(LayoutError::Truncated(what));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn byte(&mut self, what: &'static str) -> Result<u8, LayoutError> {
        Ok(self.take(1, what)?[0])
    }

    /// An unsigned LEB128 number of at most 64 bits.
    fn unsigned(&mut self, what: &'static str) -> Result<u64, LayoutError> {
        let mut value: u64 = 0;
        for shift in (0..70).step_by(7) {
            let byte = self.byte(what)?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(LayoutError::BadNumber(what));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(LayoutError::BadNumber(what))
    }

    /// A signed LEB128 number of at most 64 bits.
    fn signed(&mut self, what: &'static str) -> Result<i64, LayoutError> {
        let mut value: i64 = 0;
        for shift in (0..70).step_by(7) {
            let byte = self.byte(what)?;
            let bits = i64::from(byte & 0x7f);
            if shift == 63 && bits != 0 && bits != 0x7f {
                return Err(LayoutError::BadNumber(what));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                if shift < 57 && byte & 0x40 != 0 {
                    value |= -1 << (shift + 7);
                }
                return Ok(value);
            }
        }
        Err(LayoutError::BadNumber(what))
    }

    /// A length or count: an unsigned number that must fit in memory's address range.
    fn length(&mut self, what: &'static str) -> Result<usize, LayoutError> {
        let n = self.unsigned(what)?;
        usize::try_from(n).map_err(|_| LayoutError::Truncated(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT, ScalarValue};

    fn changes_of(doc: &mut AutoCommit) -> Vec<automerge::Change> {
        doc.get_changes(&[])
    }

    /// Every column type Automerge writes: maps, lists, text with marks, counters, every scalar.
    fn varied_document() -> AutoCommit {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "name", "Ana Lucía Ortiz").unwrap();
        doc.put(ROOT, "age", 44_i64).unwrap();
        doc.put(ROOT, "units", 3_u64).unwrap();
        doc.put(ROOT, "ratio", 0.5_f64).unwrap();
        doc.put(ROOT, "leader", true).unwrap();
        doc.put(ROOT, "photo", ScalarValue::Bytes(vec![0, 1, 2, 255]))
            .unwrap();
        doc.put(ROOT, "nothing", ScalarValue::Null).unwrap();
        doc.put(ROOT, "when", ScalarValue::Timestamp(1_700_000_000_000))
            .unwrap();
        doc.put(ROOT, "doors", ScalarValue::counter(0)).unwrap();
        doc.commit();
        doc.increment(ROOT, "doors", 5).unwrap();
        let phones = doc.put_object(ROOT, "phones", ObjType::List).unwrap();
        for (i, p) in ["555-0100", "555-0101", "555-0102"].iter().enumerate() {
            doc.insert(&phones, i, *p).unwrap();
        }
        let story = doc.put_object(ROOT, "story", ObjType::Text).unwrap();
        doc.splice_text(&story, 0, 0, "Rent went up 30% and the boiler is out.")
            .unwrap();
        doc.commit();
        doc.splice_text(&story, 5, 4, "rose").unwrap();
        doc.mark(
            &story,
            automerge::marks::Mark::new("bold".into(), true, 0, 4),
            automerge::marks::ExpandMark::Both,
        )
        .unwrap();
        doc.delete(&phones, 1).unwrap();
        doc.delete(ROOT, "nothing").unwrap();
        let nested = doc.put_object(ROOT, "building", ObjType::Map).unwrap();
        doc.put(&nested, "floor", 3_i64).unwrap();
        doc.commit();
        doc
    }

    #[test]
    fn every_change_automerge_writes_passes_and_its_operations_are_counted() {
        let mut doc = varied_document();
        // A concurrent edit gives operations with two predecessors.
        let mut other = doc.fork().with_actor(automerge::ActorId::from([7_u8; 32]));
        other.put(ROOT, "name", "Ana Ortiz").unwrap();
        doc.put(ROOT, "name", "Ana L. Ortiz").unwrap();
        doc.merge(&mut other).unwrap();
        doc.put(ROOT, "name", "Ana").unwrap();
        let changes = changes_of(&mut doc);
        assert!(changes.len() >= 6);
        for change in &changes {
            let layout = check_change_layout(change.raw_bytes())
                .unwrap_or_else(|e| panic!("refused a real change: {e}"));
            assert_eq!(layout.ops, change.len() as u64);
        }
    }

    #[test]
    fn the_walk_reads_each_changes_actions() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "name", "Ana").unwrap();
        doc.put(ROOT, "doors", ScalarValue::counter(0)).unwrap();
        let story = doc.put_object(ROOT, "story", ObjType::Text).unwrap();
        doc.splice_text(&story, 0, 0, "Rent went up").unwrap();
        doc.commit();
        doc.increment(ROOT, "doors", 1).unwrap();
        doc.commit();
        doc.mark(
            &story,
            automerge::marks::Mark::new("bold".into(), true, 0, 4),
            automerge::marks::ExpandMark::Both,
        )
        .unwrap();
        doc.delete(ROOT, "name").unwrap();
        doc.commit();
        let sets: Vec<u64> = changes_of(&mut doc)
            .iter()
            .map(|c| check_change_layout(c.raw_bytes()).expect("layout").actions)
            .collect();
        let bits = |actions: &[u32]| actions.iter().fold(0u64, |s, a| s | 1 << a);
        assert_eq!(
            sets,
            vec![
                bits(&[action::PUT, action::MAKE_TEXT]),
                bits(&[action::INCREMENT]),
                bits(&[action::MARK, action::DELETE]),
            ]
        );
    }

    #[test]
    fn a_long_text_change_passes_with_its_operation_count() {
        let mut doc = AutoCommit::new();
        let notes = doc.put_object(ROOT, "notes", ObjType::Text).unwrap();
        let text = "Tenants on the third floor want a meeting. ".repeat(500);
        doc.splice_text(&notes, 0, 0, &text).unwrap();
        let changes = changes_of(&mut doc);
        let layout = check_change_layout(changes[0].raw_bytes()).unwrap();
        assert_eq!(layout.ops, changes[0].len() as u64);
        assert!(layout.ops > 20_000);
    }

    /// Builds a change chunk around the given columns (the checksum is not checked here).
    fn chunk(columns: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let mut body = vec![0, 32];
        body.extend([9; 32]);
        body.extend([1, 1, 0, 0, 0]); // seq, start op, time, message, other actors
        body.push(columns.len() as u8);
        for (spec, data) in columns {
            leb(&mut body, u64::from(*spec));
            leb(&mut body, data.len() as u64);
        }
        for (_, data) in columns {
            body.extend(data);
        }
        let mut bytes = CHUNK_MAGIC.to_vec();
        bytes.extend([0; 4]);
        bytes.push(CHANGE_CHUNK);
        leb(&mut bytes, body.len() as u64);
        bytes.extend(body);
        bytes
    }

    /// A run's length: signed LEB128, as Automerge writes it.
    fn run(out: &mut Vec<u8>, n: i64) {
        let mut n = n;
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if (n == 0 && byte & 0x40 == 0) || (n == -1 && byte & 0x40 != 0) {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn leb(out: &mut Vec<u8>, mut n: u64) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    const KEY_STRING: u32 = (1 << 4) | column_type::STRING;
    const ACTION: u32 = (ACTION_COLUMN_ID << 4) | column_type::INTEGER;

    #[test]
    fn a_string_claiming_more_bytes_than_its_column_holds_is_refused() {
        // One run of one string claiming ~807 MB, the shape the fuzzer found.
        let mut column = Vec::new();
        run(&mut column, 1);
        leb(&mut column, 807_000_000);
        column.extend(b"abc");
        assert_eq!(
            check_change_layout(&chunk(&[(KEY_STRING, column)])),
            Err(LayoutError::Truncated("a string"))
        );
    }

    #[test]
    fn runs_claiming_millions_of_operations_are_refused() {
        // A run of 2^30 copies of the "set" action, in four bytes.
        let mut column = Vec::new();
        run(&mut column, 1 << 30);
        column.push(1);
        let err = check_change_layout(&chunk(&[(ACTION, column)])).unwrap_err();
        assert!(
            matches!(err, LayoutError::TooManyRows { column: 4, .. }),
            "{err}"
        );

        let mut just_over = Vec::new();
        run(&mut just_over, MAX_CHANGE_OPS as i64 + 1);
        just_over.push(1);
        assert_eq!(
            check_change_layout(&chunk(&[(ACTION, just_over)])),
            Err(LayoutError::TooManyOps)
        );
        let mut nulls = Vec::new();
        run(&mut nulls, 0);
        leb(&mut nulls, u64::MAX);
        assert!(matches!(
            check_change_layout(&chunk(&[(KEY_STRING, nulls)])),
            Err(LayoutError::TooManyRows { .. })
        ));
        let mut falses = Vec::new();
        leb(&mut falses, u64::MAX >> 1);
        let insert = (3 << 4) | column_type::BOOLEAN;
        assert!(matches!(
            check_change_layout(&chunk(&[(insert, falses)])),
            Err(LayoutError::TooManyRows { .. })
        ));
    }

    #[test]
    fn values_claiming_more_bytes_than_the_value_column_holds_are_refused() {
        let meta = (5 << 4) | column_type::VALUE_METADATA;
        let raw = (5 << 4) | column_type::VALUE;
        // A run of 1,000 string values of 100 bytes each over a 100-byte value column.
        let mut column = Vec::new();
        run(&mut column, 1_000);
        leb(&mut column, (100 << 4) | 6);
        assert_eq!(
            check_change_layout(&chunk(&[(meta, column.clone()), (raw, vec![b'x'; 100])])),
            Err(LayoutError::ValuesOverrun(5))
        );
        let mut one = Vec::new();
        run(&mut one, 1);
        leb(&mut one, (100 << 4) | 6);
        assert!(check_change_layout(&chunk(&[(meta, one), (raw, vec![b'x'; 100])])).is_ok());
    }

    #[test]
    fn compressed_columns_and_other_chunks_are_refused() {
        let compressed = KEY_STRING | DEFLATE_BIT;
        assert_eq!(
            check_change_layout(&chunk(&[(compressed, vec![0, 1])])),
            Err(LayoutError::CompressedColumn(1))
        );
        let mut doc = varied_document();
        assert_eq!(
            check_change_layout(&doc.save()),
            Err(LayoutError::NotAChange)
        );
    }

    #[test]
    fn a_stores_chunks_pass_and_anything_else_is_refused() {
        let mut doc = varied_document();
        let snapshot = doc.save();
        doc.put(ROOT, "name", "Ana L. Ortiz").unwrap();
        doc.put(ROOT, "age", 45_i64).unwrap();
        let increments: Vec<u8> = changes_of(&mut doc)
            .iter()
            .flat_map(|c| c.raw_bytes().to_vec())
            .collect();
        assert_eq!(check_stored_chunks(&snapshot), Ok(()));
        assert_eq!(check_stored_chunks(&increments), Ok(()));
        let both = [snapshot.clone(), increments.clone()].concat();
        assert_eq!(check_stored_chunks(&both), Ok(()));
        assert_eq!(check_stored_chunks(&[]), Ok(()));

        // A compressed change (type 2) and a bundle (type 3) are never written to a store.
        for kind in [2u8, 3, 200] {
            let mut other = increments.clone();
            other[8] = kind;
            assert_eq!(
                check_stored_chunks(&other),
                Err(LayoutError::UnexpectedChunk(kind))
            );
        }
        // A change inside the stored bytes is walked like one from a peer.
        let mut huge = CHUNK_MAGIC.to_vec();
        huge.extend([0; 4]);
        huge.push(CHANGE_CHUNK);
        leb(&mut huge, 3);
        huge.extend([0, 200, 1]); // no dependencies, then an author claiming 200 bytes
        assert_eq!(
            check_stored_chunks(&[snapshot.as_slice(), &huge].concat()),
            Err(LayoutError::Truncated("the author"))
        );
        assert_eq!(
            check_stored_chunks(b"not a chunk at all"),
            Err(LayoutError::NotAChunk)
        );
        // Cut anywhere but between two chunks, the bytes are refused.
        let mut boundaries = vec![snapshot.len()];
        for change in changes_of(&mut doc) {
            boundaries.push(boundaries.last().unwrap() + change.raw_bytes().len());
        }
        for cut in 1..both.len() {
            let read = check_stored_chunks(&both[..cut]);
            assert_eq!(
                read.is_ok(),
                boundaries.contains(&cut),
                "cut at {cut}: {read:?}"
            );
        }
    }

    #[test]
    fn every_truncation_of_a_real_change_is_refused_or_counted_without_panicking() {
        let mut doc = varied_document();
        for change in changes_of(&mut doc) {
            let bytes = change.raw_bytes();
            for cut in 0..bytes.len() {
                // A cut change must not pass with the whole change's operation count.
                if let Ok(layout) = check_change_layout(&bytes[..cut]) {
                    panic!(
                        "a change cut at {cut} of {} passed: {layout:?}",
                        bytes.len()
                    );
                }
            }
        }
    }
}
