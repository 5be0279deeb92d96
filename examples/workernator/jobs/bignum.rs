//! Just enough of a big unsigned integer for Fibonacci numbers: addition and
//! decimal printing, in base 10^9 limbs (so printing needs no division).

use std::fmt;

/// One limb holds 9 decimal digits.
const BASE: u32 = 1_000_000_000;

/// A non-negative integer of any size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BigUint {
    /// Base 10^9 digits, least significant first; never empty.
    limbs: Vec<u32>,
}

impl BigUint {
    /// A small value.
    pub(crate) fn from_u32(value: u32) -> BigUint {
        let mut limbs = vec![value % BASE];
        if value >= BASE {
            limbs.push(value / BASE);
        }
        BigUint { limbs }
    }

    /// `self += other`, with carries: never overflows, the number grows instead.
    pub(crate) fn add_assign(&mut self, other: &BigUint) {
        if self.limbs.len() < other.limbs.len() {
            self.limbs.resize(other.limbs.len(), 0);
        }
        let mut carry = 0u32;
        for (index, limb) in self.limbs.iter_mut().enumerate() {
            let addend = other.limbs.get(index).copied().unwrap_or(0);
            if addend == 0 && carry == 0 && index >= other.limbs.len() {
                break;
            }
            // Each term is below 10^9, so the sum fits in a u32 (below 2^32).
            let sum = *limb + addend + carry;
            (*limb, carry) = if sum >= BASE {
                (sum - BASE, 1)
            } else {
                (sum, 0)
            };
        }
        if carry > 0 {
            self.limbs.push(carry);
        }
    }

    /// How many decimal digits the number has.
    pub(crate) fn decimal_digits(&self) -> usize {
        let top = self.limbs.last().copied().unwrap_or(0);
        let top_digits = top.checked_ilog10().map_or(1, |log| log as usize + 1);
        (self.limbs.len() - 1) * 9 + top_digits
    }
}

impl fmt::Display for BigUint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut limbs = self.limbs.iter().rev();
        if let Some(top) = limbs.next() {
            write!(f, "{top}")?;
        }
        for limb in limbs {
            write!(f, "{limb:09}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addition_carries_across_limbs() {
        let mut a = BigUint::from_u32(999_999_999);
        a.add_assign(&BigUint::from_u32(1));
        assert_eq!(a.to_string(), "1000000000");
        let mut b = BigUint::from_u32(1);
        b.add_assign(&a);
        assert_eq!(b.to_string(), "1000000001");
        assert_eq!(b.decimal_digits(), 10);
    }

    #[test]
    fn inner_limbs_keep_their_leading_zeros() {
        let mut a = BigUint::from_u32(5);
        let mut unit = BigUint::from_u32(1_000_000_000 - 5);
        unit.add_assign(&BigUint::from_u32(0));
        a.add_assign(&unit);
        a.add_assign(&BigUint::from_u32(7));
        assert_eq!(a.to_string(), "1000000007");
    }

    #[test]
    fn sums_match_u128_arithmetic() {
        let mut big = BigUint::from_u32(0);
        let mut small: u128 = 0;
        let step = BigUint::from_u32(4_000_000_000);
        // 90 rounds stay below 2^128.
        for _ in 0..90 {
            big.add_assign(&step);
            small += 4_000_000_000;
            let copy = big.clone();
            big.add_assign(&copy);
            small *= 2;
        }
        assert_eq!(big.to_string(), small.to_string());
    }

    #[test]
    fn zero_prints_as_zero() {
        assert_eq!(BigUint::from_u32(0).to_string(), "0");
        assert_eq!(BigUint::from_u32(0).decimal_digits(), 1);
    }
}
