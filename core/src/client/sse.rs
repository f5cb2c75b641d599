//! A Server-Sent Events parser (the WHATWG `text/event-stream` rules), fed with body chunks as
//! they arrive. Pure: no I/O, so it is the same natively and in the browser.
//!
//! Lines end with CRLF, LF or CR (a CRLF split across two chunks counts once); a line is decoded
//! only when complete, so a UTF-8 character split across chunks is kept intact. `data` lines are
//! joined with `\n`; an empty line dispatches the event; `:` starts a comment (keep-alive);
//! `id` (without NUL) sets the last event id; `retry` (digits only) sets the reconnect delay.
//! A line longer than [`MAX_LINE`] is dropped whole rather than buffered without bound.

/// Longest line kept, in bytes; longer lines are discarded.
pub const MAX_LINE: usize = 1 << 20;

/// One dispatched event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event` field, `message` when absent.
    pub event: String,
    /// The `data` lines joined with `\n`.
    pub data: String,
    /// The last event id seen so far in the stream, if any.
    pub id: Option<String>,
}

/// Incremental `text/event-stream` parser.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    discarding: bool,
    after_cr: bool,
    started: bool,
    event: String,
    data: String,
    has_data: bool,
    last_id: Option<String>,
    retry_ms: Option<u64>,
}

impl SseParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// The reconnect delay the server asked for with `retry:`, if any.
    pub fn retry_ms(&self) -> Option<u64> {
        self.retry_ms
    }

    /// The last event id seen (`id:`), if any.
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// Feeds one chunk of the body; returns the events it completed, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        let mut bytes = chunk;
        if !self.started && !bytes.is_empty() {
            // A UTF-8 byte order mark may open the stream (possibly split; rare enough to only
            // handle the whole-mark case).
            self.started = true;
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        for &b in bytes {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    if self.discarding {
                        self.discarding = false;
                    } else {
                        let line = std::mem::take(&mut self.line);
                        if let Some(event) = self.line_done(&line) {
                            out.push(event);
                        }
                    }
                }
                _ if self.discarding => {}
                _ if self.line.len() >= MAX_LINE => {
                    self.line.clear();
                    self.discarding = true;
                }
                _ => self.line.push(b),
            }
        }
        out
    }

    fn line_done(&mut self, line: &[u8]) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line[0] == b':' {
            return None;
        }
        let line = String::from_utf8_lossy(line);
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.last_id = Some(value.to_string()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry_ms = value.parse().ok();
            }
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = std::mem::take(&mut self.event);
        if !self.has_data {
            return None;
        }
        self.has_data = false;
        Some(SseEvent {
            event: if event.is_empty() {
                "message".into()
            } else {
                event
            },
            data: std::mem::take(&mut self.data),
            id: self.last_id.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all<T: AsRef<[u8]>>(input: &[T]) -> (Vec<SseEvent>, SseParser) {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for chunk in input {
            out.extend(p.push(chunk.as_ref()));
        }
        (out, p)
    }

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
            id: None,
        }
    }

    #[test]
    fn axum_frames_with_keep_alive_comments() {
        let (out, _) = all(&[b":\n\ndata: {\"a\":1}\n\nevent: lagged\ndata: refetch\n\n"]);
        assert_eq!(
            out,
            vec![ev("message", "{\"a\":1}"), ev("lagged", "refetch")]
        );
    }

    #[test]
    fn every_line_ending_and_any_chunking_give_the_same_events() {
        let text = "event: x\r\ndata: one\r\ndata:two\r\n\r\ndata: three\r\rdata: four\n\n";
        let want = vec![
            ev("x", "one\ntwo"),
            ev("message", "three"),
            ev("message", "four"),
        ];
        let bytes = text.as_bytes();
        for split in 0..=bytes.len() {
            let (out, _) = all(&[&bytes[..split], &bytes[split..]]);
            assert_eq!(out, want, "split at {split}");
        }
        // One byte at a time.
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(all(&chunks).0, want);
    }

    #[test]
    fn utf8_split_across_chunks_is_kept() {
        let text = "data: Mama Ntilié ☕\n\n".as_bytes();
        for split in 0..=text.len() {
            let (out, _) = all(&[&text[..split], &text[split..]]);
            assert_eq!(
                out,
                vec![ev("message", "Mama Ntilié ☕")],
                "split at {split}"
            );
        }
    }

    #[test]
    fn incomplete_event_is_not_dispatched_and_empty_data_is() {
        let (out, _) = all(&[b"data: half"]);
        assert!(out.is_empty());
        let (out, _) = all(&[b"event: only-type\n\n"]);
        assert!(out.is_empty(), "no data, no event");
        let (out, _) = all(&[b"data\n\n"]);
        assert_eq!(out, vec![ev("message", "")]);
    }

    #[test]
    fn id_and_retry_fields() {
        let (out, p) =
            all(&[b"id: 7\nretry: 2500\ndata: a\n\nretry: soon\nid: bad\0id\ndata: b\n\n"]);
        assert_eq!(out[0].id.as_deref(), Some("7"));
        assert_eq!(out[1].id.as_deref(), Some("7"), "an id with NUL is ignored");
        assert_eq!(p.retry_ms(), Some(2500), "non-digit retry is ignored");
        assert_eq!(p.last_event_id(), Some("7"));
    }

    #[test]
    fn bom_unknown_fields_and_colon_without_space() {
        let (out, _) = all(&[b"\xEF\xBB\xBFdata:x\nfoo: bar\n\n"]);
        assert_eq!(out, vec![ev("message", "x")]);
    }

    #[test]
    fn an_overlong_line_is_dropped_and_parsing_continues() {
        let mut p = SseParser::new();
        let long = vec![b'a'; MAX_LINE + 10];
        assert!(p.push(b"data: ").is_empty());
        assert!(p.push(&long).is_empty());
        let out = p.push(b"\n\ndata: ok\n\n");
        assert_eq!(out, vec![ev("message", "ok")]);
    }
}
