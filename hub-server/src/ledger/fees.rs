//! The DFSP's fee schedule: per transaction type and side, a fixed part plus a percentage (in basis
//! points) of the amount, bounded by a minimum and an optional cap. All integer minor units.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::accounts::{AccountError, AccountResult, QuoteRole, TransactionType};

/// One fee rule. `fee = clamp(fixed + round_half_up(amount * basis_points / 10_000), min, max)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeRule {
    /// Fixed part, minor units.
    #[serde(default)]
    pub fixed: i64,
    /// Proportional part in basis points (1 bp = 0.01 %), at most 10 000.
    #[serde(default)]
    pub basis_points: u32,
    /// Lower bound of the fee, minor units.
    #[serde(default)]
    pub min: i64,
    /// Upper bound (cap) of the fee, minor units.
    #[serde(default)]
    pub max: Option<i64>,
}

impl FeeRule {
    /// Checks the rule is usable: non-negative parts, percentage ≤ 100 %, `min ≤ max`.
    pub fn validate(&self) -> AccountResult<()> {
        let bad = |m: &str| Err(AccountError::InvalidInput(format!("fee rule: {m}")));
        if self.fixed < 0 || self.min < 0 {
            return bad("fixed and min must be >= 0");
        }
        if self.basis_points > 10_000 {
            return bad("basis_points must be <= 10000");
        }
        if let Some(max) = self.max
            && max < self.min
        {
            return bad("max must be >= min");
        }
        Ok(())
    }

    /// The fee for a positive `amount` in minor units.
    pub fn fee(&self, amount: i64) -> AccountResult<i64> {
        if amount <= 0 {
            return Err(AccountError::InvalidInput("amount must be positive".into()));
        }
        // amount * bp fits in i128 easily; round half up.
        let pct = (i128::from(amount) * i128::from(self.basis_points) + 5_000) / 10_000;
        let raw = i128::from(self.fixed) + pct;
        let mut fee = raw.max(i128::from(self.min));
        if let Some(max) = self.max {
            fee = fee.min(i128::from(max));
        }
        i64::try_from(fee).map_err(|_| AccountError::InvalidInput("fee overflows".into()))
    }
}

/// Fee rules by side and transaction type; a missing rule means no fee.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeSchedule {
    /// Fees our paying customers pay.
    #[serde(default)]
    pub payer: BTreeMap<TransactionType, FeeRule>,
    /// Fees we take from incoming transfers for our receiving customers.
    #[serde(default)]
    pub payee: BTreeMap<TransactionType, FeeRule>,
}

impl FeeSchedule {
    /// Checks every rule.
    pub fn validate(&self) -> AccountResult<()> {
        self.payer
            .values()
            .chain(self.payee.values())
            .try_for_each(FeeRule::validate)
    }

    /// The fee for `amount` of a transaction type on one side.
    pub fn fee(&self, role: QuoteRole, ty: TransactionType, amount: i64) -> AccountResult<i64> {
        let rules = match role {
            QuoteRole::Payer => &self.payer,
            QuoteRole::Payee => &self.payee,
        };
        match rules.get(&ty) {
            Some(rule) => rule.fee(amount),
            None if amount > 0 => Ok(0),
            None => Err(AccountError::InvalidInput("amount must be positive".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_plus_percentage_rounds_half_up_and_caps() {
        let rule = FeeRule {
            fixed: 10,
            basis_points: 150, // 1.5 %
            min: 20,
            max: Some(500),
        };
        assert_eq!(rule.fee(100).unwrap(), 20); // 10 + 1.5 → 12 → min 20
        assert_eq!(rule.fee(1_000).unwrap(), 25); // 10 + 15
        assert_eq!(rule.fee(1_033).unwrap(), 25); // 15.495 → 15
        assert_eq!(rule.fee(1_034).unwrap(), 26); // 15.51 → 16
        assert_eq!(rule.fee(1_000_000).unwrap(), 500); // capped
    }

    #[test]
    fn invalid_rules_and_amounts_are_refused() {
        assert!(
            FeeRule {
                fixed: -1,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            FeeRule {
                basis_points: 10_001,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            FeeRule {
                min: 5,
                max: Some(4),
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(FeeRule::default().fee(0).is_err());
        assert!(FeeRule::default().fee(-5).is_err());
        assert_eq!(FeeRule::default().fee(i64::MAX).unwrap(), 0);
        let full = FeeRule {
            basis_points: 10_000,
            fixed: 1,
            ..Default::default()
        };
        assert!(full.fee(i64::MAX).is_err());
    }

    #[test]
    fn schedule_picks_side_and_type() {
        let mut s = FeeSchedule::default();
        s.payer.insert(
            TransactionType::Transfer,
            FeeRule {
                fixed: 7,
                ..Default::default()
            },
        );
        s.payee.insert(
            TransactionType::Payment,
            FeeRule {
                fixed: 3,
                ..Default::default()
            },
        );
        assert_eq!(
            s.fee(QuoteRole::Payer, TransactionType::Transfer, 100)
                .unwrap(),
            7
        );
        assert_eq!(
            s.fee(QuoteRole::Payer, TransactionType::Payment, 100)
                .unwrap(),
            0
        );
        assert_eq!(
            s.fee(QuoteRole::Payee, TransactionType::Payment, 100)
                .unwrap(),
            3
        );
        assert!(
            s.fee(QuoteRole::Payee, TransactionType::Transfer, 0)
                .is_err()
        );
        s.validate().unwrap();
    }
}
