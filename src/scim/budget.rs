//! The process-wide memory budget for apps' answers. One answer is capped at
//! 16 MiB, but a cap per answer does not bound many answers at once: 200
//! concurrent reads of an app streaming huge answers held almost 2 GB. Every
//! call reserves bytes from one semaphore before it is sent (its connection's
//! read buffer and the start of its answer), and grows its reservation as the
//! answer arrives (at once to a `Content-Length`, else in steps); the
//! reservation is released when the answer is dropped. A call that cannot get
//! bytes within [`MAX_WAIT`] in all (or its deadline) is refused as
//! [`ProviderErrorKind::Busy`].

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::{ProviderError, ProviderErrorKind};

/// The largest answer read from an app; a SCIM page of 100 users is far smaller.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;
/// The default budget: sixteen answers of the largest size at once.
pub const DEFAULT_BUDGET_BYTES: usize = 16 * MAX_ANSWER_BYTES;
/// What a call in flight holds besides its answer: the HTTP connection's read
/// buffer, which grows to about 400 KiB while an answer streams in.
const TRANSPORT_BYTES: usize = 512 * 1024;
/// The start of an answer, reserved before the call is sent: most answers fit.
const FIRST_BODY_BYTES: usize = 64 * 1024;
/// How much more a growing answer reserves at a time.
const GROWTH_STEP: usize = 256 * 1024;
/// The longest a call waits for bytes, in all, before it is refused. Waiting
/// callers may each hold part of an answer, so a wait must end for the others
/// to go on.
const MAX_WAIT: Duration = Duration::from_secs(5);

/// Bytes for answers, shared by every call of the process. Cheap to clone.
#[derive(Clone)]
pub struct AnswerBudget {
    bytes: Arc<Semaphore>,
    /// The largest single answer: [`MAX_ANSWER_BYTES`], or what the budget
    /// leaves beside one call's transport if that is less.
    cap: usize,
}

/// Bytes held for one call; given back when dropped.
pub struct Reservation {
    permit: Option<OwnedSemaphorePermit>,
    budget: AnswerBudget,
    /// How long this call has waited for bytes so far.
    waited: Duration,
}

impl AnswerBudget {
    pub fn new(total_bytes: usize) -> Self {
        let total = total_bytes.clamp(2 * TRANSPORT_BYTES, Semaphore::MAX_PERMITS);
        Self {
            bytes: Arc::new(Semaphore::new(total)),
            cap: MAX_ANSWER_BYTES.min(total - TRANSPORT_BYTES),
        }
    }

    /// Reserves what a call needs before it is sent.
    pub async fn reserve(&self, deadline: Option<Instant>) -> Result<Reservation, ProviderError> {
        let mut reservation = Reservation {
            permit: None,
            budget: self.clone(),
            waited: Duration::ZERO,
        };
        let first = TRANSPORT_BYTES + FIRST_BODY_BYTES.min(self.cap);
        reservation.grow_to(first, deadline).await?;
        Ok(reservation)
    }
}

impl Reservation {
    /// How many bytes of the answer are held.
    pub fn body(&self) -> usize {
        let held = self.permit.as_ref().map_or(0, |p| p.num_permits());
        held.saturating_sub(TRANSPORT_BYTES)
    }

    /// Holds at least `needed` bytes of the answer (at most the cap), in
    /// steps of [`GROWTH_STEP`], so that a streamed answer does not reserve
    /// for every chunk.
    pub async fn grow_for(
        &mut self,
        needed: usize,
        deadline: Option<Instant>,
    ) -> Result<(), ProviderError> {
        if needed <= self.body() {
            return Ok(());
        }
        let target = needed.next_multiple_of(GROWTH_STEP).min(self.budget.cap);
        self.grow_to(TRANSPORT_BYTES + target, deadline).await
    }

    async fn grow_to(
        &mut self,
        target: usize,
        deadline: Option<Instant>,
    ) -> Result<(), ProviderError> {
        let held = self.permit.as_ref().map_or(0, |p| p.num_permits());
        let more = target.saturating_sub(held);
        let Ok(more) = u32::try_from(more) else {
            return Err(busy());
        };
        if more == 0 {
            return Ok(());
        }
        let started = Instant::now();
        let wait = deadline.map_or(MAX_WAIT, |d| {
            MAX_WAIT.min(d.saturating_duration_since(started))
        });
        let acquire = self.budget.bytes.clone().acquire_many_owned(more);
        let acquired = tokio::time::timeout(wait.saturating_sub(self.waited), acquire).await;
        self.waited += started.elapsed();
        let Ok(Ok(permit)) = acquired else {
            // Timed out, or the semaphore was closed (it never is).
            return Err(busy());
        };
        match &mut self.permit {
            Some(held) => held.merge(permit),
            None => self.permit = Some(permit),
        }
        Ok(())
    }
}

/// Reads an answer's body within `reservation`, growing it as bytes arrive
/// and refusing an answer larger than the budget's cap. The chunks are kept
/// as they arrive and joined once at the end: a buffer grown by reallocation
/// would briefly hold its old and new copies, and leave both to the allocator.
pub async fn read_body(
    mut response: reqwest::Response,
    reservation: &mut Reservation,
    deadline: Option<Instant>,
) -> Result<Bytes, ProviderError> {
    let cap = reservation.budget.cap;
    let expected = response.content_length().unwrap_or(0);
    if expected > cap as u64 {
        return Err(too_large(cap));
    }
    // Within the cap, so within `usize`.
    reservation
        .grow_for(usize::try_from(expected).unwrap_or(cap), deadline)
        .await?;
    let (mut chunks, mut len) = (Vec::new(), 0);
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ProviderError::from_transport(&e))?
    {
        len += chunk.len();
        if len > cap {
            return Err(too_large(cap));
        }
        reservation.grow_for(len, deadline).await?;
        chunks.push(chunk);
    }
    Ok(join(chunks, len))
}

fn join(mut chunks: Vec<Bytes>, len: usize) -> Bytes {
    if chunks.len() <= 1 {
        return chunks.pop().unwrap_or_default();
    }
    let mut body = Vec::with_capacity(len);
    for chunk in chunks {
        body.extend_from_slice(&chunk);
    }
    body.into()
}

fn too_large(cap: usize) -> ProviderError {
    ProviderError::new(
        ProviderErrorKind::InvalidResponse,
        format!(
            "the app's answer is larger than {} MiB",
            cap.div_ceil(1024 * 1024)
        ),
    )
}

fn busy() -> ProviderError {
    ProviderError {
        kind: ProviderErrorKind::Busy,
        status: None,
        scim_type: None,
        detail: None,
        retry_after: Some(Duration::from_secs(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reservations_grow_in_steps_and_are_given_back_when_dropped() {
        let budget = AnswerBudget::new(2 * 1024 * 1024);
        let mut first = budget.reserve(None).await.unwrap();
        assert_eq!(first.body(), FIRST_BODY_BYTES);
        first.grow_for(FIRST_BODY_BYTES + 1, None).await.unwrap();
        assert_eq!(first.body(), GROWTH_STEP);
        first.grow_for(900 * 1024, None).await.unwrap();
        assert_eq!(first.body(), 1024 * 1024);
        first.grow_for(1400 * 1024, None).await.unwrap();
        assert_eq!(first.body(), budget.cap, "growth stops at the cap");
        assert_eq!(budget.cap, 2 * 1024 * 1024 - TRANSPORT_BYTES);
        drop(first);
        assert_eq!(budget.bytes.available_permits(), 2 * 1024 * 1024);
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_waits_for_bytes_then_is_refused_as_busy() {
        let budget = AnswerBudget::new(TRANSPORT_BYTES + FIRST_BODY_BYTES);
        let held = budget.reserve(None).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let waiting = tokio::spawn({
            let budget = budget.clone();
            async move { budget.reserve(Some(deadline)).await.map(|r| r.body()) }
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        drop(held);
        assert_eq!(waiting.await.unwrap().unwrap(), FIRST_BODY_BYTES);

        let _held = budget.reserve(None).await.unwrap();
        let error = budget.reserve(Some(deadline)).await.err().unwrap();
        assert_eq!(error.kind, ProviderErrorKind::Busy);
    }
}
