//! An incremental decoder for `Transfer-Encoding: chunked`: it takes whatever bytes one
//! socket read returned and hands back the payload in them, so that each upstream read
//! can be relayed at once instead of waiting for whole chunks or lines.

/// Longest chunk-size or trailer line accepted.
const MAX_LINE: usize = 8 * 1024;

#[derive(Debug, PartialEq)]
enum State {
    Size,
    Data(u64),
    DataEnd,
    Trailer,
    Done,
}

#[derive(Debug)]
pub struct Decoder {
    state: State,
    line: Vec<u8>,
}

impl Decoder {
    pub fn new() -> Self {
        Decoder { state: State::Size, line: Vec::new() }
    }

    /// Whether the terminating zero-size chunk and the trailer have been read.
    pub fn done(&self) -> bool {
        self.state == State::Done
    }

    /// Appends the payload bytes found in `input` to `out`.
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        while !input.is_empty() && self.state != State::Done {
            match self.state {
                State::Data(remaining) => {
                    let n = remaining.min(input.len() as u64) as usize;
                    out.extend_from_slice(&input[..n]);
                    input = &input[n..];
                    self.state = if remaining == n as u64 { State::DataEnd } else { State::Data(remaining - n as u64) };
                }
                _ => {
                    let Some(line) = self.take_line(&mut input)? else { continue };
                    self.state = self.after_line(&line)?;
                }
            }
        }
        Ok(())
    }

    /// Collects one line across reads; `None` until its newline has arrived.
    fn take_line(&mut self, input: &mut &[u8]) -> Result<Option<Vec<u8>>, String> {
        match input.iter().position(|&b| b == b'\n') {
            Some(i) => {
                self.line.extend_from_slice(&input[..i]);
                *input = &input[i + 1..];
                let mut line = std::mem::take(&mut self.line);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                Ok(Some(line))
            }
            None => {
                self.line.extend_from_slice(input);
                *input = &[];
                if self.line.len() > MAX_LINE {
                    return Err("chunked framing: line too long".into());
                }
                Ok(None)
            }
        }
    }

    fn after_line(&self, line: &[u8]) -> Result<State, String> {
        match self.state {
            State::Size => match parse_size(line)? {
                0 => Ok(State::Trailer),
                n => Ok(State::Data(n)),
            },
            State::DataEnd if line.is_empty() => Ok(State::Size),
            State::DataEnd => Err("chunked framing: chunk data longer than its size".into()),
            State::Trailer if line.is_empty() => Ok(State::Done),
            State::Trailer => Ok(State::Trailer),
            State::Data(_) | State::Done => unreachable!("lines are read only between chunks"),
        }
    }
}

fn parse_size(line: &[u8]) -> Result<u64, String> {
    let text = std::str::from_utf8(line).map_err(|_| "chunked framing: chunk size is not ASCII".to_string())?;
    let hex = text.split(';').next().unwrap_or("").trim();
    u64::from_str_radix(hex, 16).map_err(|_| format!("chunked framing: bad chunk size {hex:?}"))
}

/// Frames `payload` as one chunk, ready for a single write.
pub fn encode(payload: &[u8], frame: &mut Vec<u8>) {
    frame.clear();
    frame.extend_from_slice(format!("{:x}\r\n", payload.len()).as_bytes());
    frame.extend_from_slice(payload);
    frame.extend_from_slice(b"\r\n");
}

/// The zero-size chunk that ends a chunked body.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"7\r\ndata: a\r\n5;ext=1\r\n\n\nxyz\r\n0\r\nX-Trailer: t\r\n\r\n";

    #[test]
    fn decodes_a_body_fed_whole() {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        d.feed(BODY, &mut out).unwrap();
        assert_eq!(out, b"data: a\n\nxyz");
        assert!(d.done());
    }

    #[test]
    fn decodes_a_body_fed_one_byte_at_a_time() {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        for b in BODY {
            assert!(!d.done());
            d.feed(std::slice::from_ref(b), &mut out).unwrap();
        }
        assert_eq!(out, b"data: a\n\nxyz");
        assert!(d.done());
    }

    #[test]
    fn stops_short_of_done_on_a_truncated_body() {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        d.feed(b"7\r\ndata: a\r\n5\r\n\n\nx", &mut out).unwrap();
        assert_eq!(out, b"data: a\n\nx");
        assert!(!d.done());
    }

    #[test]
    fn rejects_bad_sizes_and_overlong_chunks() {
        let mut out = Vec::new();
        assert!(Decoder::new().feed(b"zz\r\n", &mut out).is_err());
        assert!(Decoder::new().feed(b"1\r\nab\r\n", &mut out).is_err());
    }

    #[test]
    fn encodes_one_chunk() {
        let mut frame = Vec::new();
        encode(b"data: x\n\n", &mut frame);
        assert_eq!(frame, b"9\r\ndata: x\n\n\r\n");
    }
}
