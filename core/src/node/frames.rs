//! Reading and writing length-prefixed frames on a QUIC stream, with a size cap checked before
//! any allocation and a deadline per frame.

use std::time::Duration;

use groundwork_proto::sync::{FrameError, Message};
use iroh::endpoint::{RecvStream, SendStream};

/// A frame could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameIoError {
    /// The peer sent a bad frame (too large, undecodable, out of bounds).
    #[error("bad frame: {0}")]
    Frame(String),
    #[error("the peer sent nothing for {0:?}")]
    Timeout(Duration),
    #[error("the stream closed: {0}")]
    Closed(String),
}

impl From<FrameError> for FrameIoError {
    fn from(e: FrameError) -> Self {
        FrameIoError::Frame(e.to_string())
    }
}

/// Reads one frame; returns the message and the frame's size.
pub(crate) async fn read(
    recv: &mut RecvStream,
    deadline: Duration,
) -> Result<(Message, usize), FrameIoError> {
    let read = async {
        let mut header = [0u8; 4];
        recv.read_exact(&mut header)
            .await
            .map_err(|e| FrameIoError::Closed(format!("{e:?}")))?;
        let len = Message::frame_len(header)?;
        let mut body = vec![0u8; len];
        recv.read_exact(&mut body)
            .await
            .map_err(|e| FrameIoError::Closed(format!("{e:?}")))?;
        let msg = Message::decode(&body)?;
        Ok((msg, len + 4))
    };
    tokio::time::timeout(deadline, read)
        .await
        .map_err(|_| FrameIoError::Timeout(deadline))?
}

/// Writes one frame.
pub(crate) async fn write(send: &mut SendStream, msg: &Message) -> Result<(), FrameIoError> {
    let frame = msg.to_frame()?;
    send.write_all(&frame)
        .await
        .map_err(|e| FrameIoError::Closed(format!("{e:?}")))
}

/// Reads one length-prefixed blob of at most `max` bytes.
pub(crate) async fn read_blob(
    recv: &mut RecvStream,
    max: usize,
    deadline: Duration,
) -> Result<Vec<u8>, FrameIoError> {
    let read = async {
        let mut header = [0u8; 4];
        recv.read_exact(&mut header)
            .await
            .map_err(|e| FrameIoError::Closed(format!("{e:?}")))?;
        let len = u32::from_be_bytes(header) as usize;
        if len > max {
            return Err(FrameIoError::Frame(format!(
                "{len} bytes is over the limit of {max}"
            )));
        }
        let mut body = vec![0u8; len];
        recv.read_exact(&mut body)
            .await
            .map_err(|e| FrameIoError::Closed(format!("{e:?}")))?;
        Ok(body)
    };
    tokio::time::timeout(deadline, read)
        .await
        .map_err(|_| FrameIoError::Timeout(deadline))?
}

/// Writes one length-prefixed blob.
pub(crate) async fn write_blob(send: &mut SendStream, body: &[u8]) -> Result<(), FrameIoError> {
    let mut frame = Vec::with_capacity(body.len() + 4);
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(body);
    send.write_all(&frame)
        .await
        .map_err(|e| FrameIoError::Closed(format!("{e:?}")))
}
