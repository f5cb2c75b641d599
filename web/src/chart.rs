//! Inline-SVG bar charts of payments (no chart library): per minute, and by state.
//!
//! The counting is pure and tested; the SVG is built as elements by Leptos (no HTML strings).

use kipochi_core::api::{Payment, PaymentState};
use leptos::prelude::*;

/// Every state, in lifecycle order (the order of the by-state chart).
pub const STATES: [PaymentState; 9] = PaymentState::ALL;

/// The wire name of a state (`committed`, …).
pub fn state_name(s: PaymentState) -> &'static str {
    s.as_str()
}

/// Payments created in each of the `minutes` whole minutes ending with the one holding `now_ms`
/// (oldest first). Payments outside that window are not counted.
pub fn per_minute(payments: &[Payment], now_ms: i64, minutes: usize) -> Vec<u32> {
    let mut counts = vec![0u32; minutes];
    let last = now_ms.div_euclid(60_000);
    for p in payments {
        let age = last - p.created_at.div_euclid(60_000);
        if let Ok(age) = usize::try_from(age)
            && age < minutes
        {
            counts[minutes - 1 - age] += 1;
        }
    }
    counts
}

/// How many payments are in each state, in [`STATES`] order, states with none left out.
pub fn by_state(payments: &[Payment]) -> Vec<(PaymentState, u32)> {
    STATES
        .iter()
        .map(|&s| (s, payments.iter().filter(|p| p.state == s).count() as u32))
        .filter(|&(_, n)| n > 0)
        .collect()
}

/// Vertical bars of payments per minute over the last `minutes`.
pub fn minute_chart(counts: Vec<u32>) -> impl IntoView {
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let (bar, gap, height) = (10u32, 2u32, 100u32);
    let width = counts.len() as u32 * (bar + gap);
    let total: u32 = counts.iter().sum();
    let label = format!(
        "Payments per minute, last {} minutes: {total} in all, at most {max} in one minute",
        counts.len()
    );
    let title = label.clone();
    view! {
        <svg id="chart-minutes" class="chart" role="img" aria-label=label
            viewBox=format!("0 0 {width} {}", height + 14) width="100%">
            <title>{title}</title>
            {counts.into_iter().enumerate().map(|(i, n)| {
                let h = n * height / max;
                view! {
                    <rect class="bar" x=(i as u32 * (bar + gap)).to_string() y=(height - h).to_string()
                        width=bar.to_string() height=h.to_string()>
                        <title>{format!("{n} payments")}</title>
                    </rect>
                }
            }).collect_view()}
            <line x1="0" y1=height.to_string() x2=width.to_string() y2=height.to_string() class="axis" />
            <text x="0" y=(height + 12).to_string() class="tick">{"−"}{width / (bar + gap)}" min"</text>
            <text x=width.to_string() y=(height + 12).to_string() text-anchor="end" class="tick">"now"</text>
        </svg>
    }
}

/// Horizontal bars of payments by state.
pub fn state_chart(rows: Vec<(PaymentState, u32)>) -> impl IntoView {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let (row_h, label_w, bar_w) = (18u32, 90u32, 200u32);
    let height = (rows.len() as u32).max(1) * row_h;
    view! {
        <svg id="chart-states" class="chart" role="img" aria-label="Payments by state"
            viewBox=format!("0 0 {} {height}", label_w + bar_w + 40) width="100%">
            <title>"Payments by state"</title>
            {rows.into_iter().enumerate().map(|(i, (s, n))| {
                let y = i as u32 * row_h;
                let w = (n * bar_w / max).max(1);
                view! {
                    <g class=format!("state-row {}", state_name(s))>
                        <text x="0" y=(y + 13).to_string() class="tick">{state_name(s)}</text>
                        <rect class=format!("bar {}", state_name(s)) x=label_w.to_string()
                            y=(y + 3).to_string() width=w.to_string() height=(row_h - 6).to_string() />
                        <text x=(label_w + w + 4).to_string() y=(y + 13).to_string() class="count">{n}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kipochi_core::api::{Direction, Payee};

    fn at(ms: i64, state: PaymentState) -> Payment {
        Payment {
            payment_id: format!("p{ms}"),
            direction: Direction::Outgoing,
            state,
            counterparty: Payee {
                id_type: "MSISDN".into(),
                id: "1".into(),
                name: "x".into(),
                fsp_id: "f".into(),
            },
            amount: "1".into(),
            fee: "0".into(),
            currency: "TZS".into(),
            reference: None,
            created_at: ms,
            updated_at: ms,
            error: None,
        }
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn minutes_count_whole_minutes_ending_now() {
        let now = 10 * 60_000 + 30_000; // 10:30 into minute 10
        let ps = [
            at(10 * 60_000, PaymentState::Committed), // this minute
            at(10 * 60_000 + 29_999, PaymentState::Failed), // this minute
            at(9 * 60_000 + 59_999, PaymentState::Committed), // one minute ago
            at(7 * 60_000, PaymentState::Committed),  // three minutes ago
            at(6 * 60_000, PaymentState::Committed),  // outside a 4-minute window
            at(11 * 60_000, PaymentState::Committed), // in the future: not counted
        ];
        assert_eq!(per_minute(&ps, now, 4), vec![1, 0, 1, 2]);
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn states_are_counted_in_lifecycle_order() {
        let ps = [
            at(1, PaymentState::Failed),
            at(2, PaymentState::Committed),
            at(3, PaymentState::Committed),
        ];
        assert_eq!(
            by_state(&ps),
            vec![(PaymentState::Committed, 2), (PaymentState::Failed, 1)]
        );
        assert!(by_state(&[]).is_empty());
    }
}
