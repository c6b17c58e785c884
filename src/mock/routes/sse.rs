//! A server-sent event stream fed by a producer task: the producer stops as soon as the client
//! goes away (freeing its engine slot), and the truncate fault cuts it after a number of events.

use std::convert::Infallible;

use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use tokio::sync::mpsc;

use crate::mock::errors::ApiError;

/// Why a producer stopped early.
#[derive(Debug)]
pub enum Stop {
    /// The client went away.
    Closed,
    /// The truncate fault's budget ran out: the stream ends without `[DONE]`.
    Truncated,
    /// The engine failed: the error goes into the stream, then `[DONE]`.
    Engine(ApiError),
}

impl From<ApiError> for Stop {
    fn from(err: ApiError) -> Stop {
        Stop::Engine(err)
    }
}

/// The producer's end of the stream.
#[derive(Debug)]
pub struct Out {
    tx: mpsc::Sender<Event>,
    budget: Option<u64>,
}

/// A stream and the response that carries it; `budget` is the truncate fault's event count.
pub fn channel(budget: Option<u64>) -> (Out, Response) {
    let (tx, rx) = mpsc::channel::<Event>(32);
    let events =
        stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|event| (Ok::<_, Infallible>(event), rx)) });
    (Out { tx, budget }, Sse::new(events).into_response())
}

impl Out {
    /// Sends a `data:` event.
    pub async fn send(&mut self, data: String) -> Result<(), Stop> {
        self.send_event(Event::default().data(data)).await
    }

    /// Sends an event.
    pub async fn send_event(&mut self, event: Event) -> Result<(), Stop> {
        match &mut self.budget {
            Some(0) => return Err(Stop::Truncated),
            Some(left) => *left -= 1,
            None => {}
        }
        self.tx.send(event).await.map_err(|_| Stop::Closed)
    }

    /// Ends the stream after the producer's `result`: an engine failure is sent as vLLM sends it,
    /// the error object inside the stream followed by `[DONE]`.
    pub async fn end(mut self, result: Result<(), Stop>) {
        if let Err(Stop::Engine(err)) = result {
            let _ = self.send(err.body().to_string()).await;
            let _ = self.send("[DONE]".to_owned()).await;
        }
    }
}
