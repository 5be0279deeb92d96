//! `fib <position>`: the value at a position of the Fibonacci sequence, exact at
//! any size (big integers, no overflow).

use super::bignum::BigUint;
use crate::kinds::{ArgsError, Kind};
use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run};

/// The highest position `fib` accepts: its value has about 20,900 digits and
/// takes a fraction of a second; much further, and the quadratic cost shows.
pub(crate) const MAX_POSITION: u64 = 100_000;

/// Calculate the value of a position in the Fibonacci sequence.
#[derive(Debug, Clone, PartialEq, Eq, Job, Serialize, Deserialize)]
#[job(name = "fib")]
pub(crate) struct Fibonacci {
    /// The position: fib(0) = 0, fib(1) = 1, fib(n) = fib(n-1) + fib(n-2).
    pub(crate) position: u64,
}

impl Run for Fibonacci {
    /// The value, in decimal digits (it does not fit any machine integer).
    type Output = String;

    fn run(self, ctx: &JobContext) -> Result<String, JobError> {
        check_position(self.position).map_err(JobError::new)?;
        println!(
            "Calculating the value at position {} of the Fibonacci sequence",
            self.position
        );
        let value = fibonacci(self.position, |done| {
            ctx.progress(
                done,
                Some(self.position),
                &format!("computed position {done}"),
            );
        });
        println!(
            "fib({}) = {value} ({} digits)",
            self.position,
            value.decimal_digits()
        );
        Ok(value.to_string())
    }
}

/// fib(`position`), calling `progress` with the positions done now and then
/// (and always with the last one).
pub(crate) fn fibonacci(position: u64, mut progress: impl FnMut(u64)) -> BigUint {
    let (mut a, mut b) = (BigUint::from_u32(0), BigUint::from_u32(1));
    for done in 1..=position {
        // (a, b) = (b, a + b), without copying either number.
        a.add_assign(&b);
        std::mem::swap(&mut a, &mut b);
        if done % 256 == 0 || done == position {
            progress(done);
        }
    }
    if position == 0 {
        progress(0);
    }
    a
}

fn check_position(position: u64) -> Result<(), String> {
    if position > MAX_POSITION {
        return Err(format!(
            "position {position} is beyond the largest supported, {MAX_POSITION}"
        ));
    }
    Ok(())
}

impl Kind for Fibonacci {
    const TITLE: &'static str = "Fibonacci";
    const ARGS: &'static str = "<position>";

    fn from_args(args: &[String]) -> Result<Self, ArgsError> {
        let [position] = args else {
            return Err(ArgsError::Count {
                expected: 1,
                received: args.len(),
            });
        };
        let invalid = |reason: String| ArgsError::Invalid {
            what: "position",
            value: position.clone(),
            reason,
        };
        let position: u64 = position
            .parse()
            .map_err(|_| invalid("expected a whole number from 0".into()))?;
        check_position(position).map_err(invalid)?;
        Ok(Fibonacci { position })
    }

    fn describe(&self) -> Vec<(&'static str, String)> {
        vec![("Position", self.position.to_string())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fib(position: u64) -> String {
        fibonacci(position, |_| {}).to_string()
    }

    #[test]
    fn the_first_values() {
        let first: Vec<String> = (0..10).map(fib).collect();
        assert_eq!(first, ["0", "1", "1", "2", "3", "5", "8", "13", "21", "34"]);
    }

    #[test]
    fn values_agree_with_u128_up_to_its_limit() {
        let (mut a, mut b) = (0u128, 1u128);
        let mut position = 0;
        // As far as u128 goes (fib(187) does not fit).
        while let Some(next) = a.checked_add(b) {
            assert_eq!(fib(position), a.to_string(), "position {position}");
            (a, b) = (b, next);
            position += 1;
        }
        assert_eq!(position, 185);
    }

    #[test]
    fn values_past_u128_are_exact() {
        assert_eq!(fib(200), "280571172992510140037611932413038677189525");
        assert_eq!(
            fib(1000),
            "43466557686937456435688527675040625802564660517371780402481729089536555417949051890403879840079255169295922593080322634775209689623239873322471161642996440906533187938298969649928516003704476137795166849228875"
        );
    }

    #[test]
    fn progress_ends_at_the_position() {
        let mut seen = Vec::new();
        fibonacci(600, |done| seen.push(done));
        assert_eq!(seen, [256, 512, 600]);
        let mut zero = Vec::new();
        fibonacci(0, |done| zero.push(done));
        assert_eq!(zero, [0]);
    }

    #[test]
    fn arguments_are_checked() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Fibonacci::from_args(&args(&["90"])).unwrap(),
            Fibonacci { position: 90 }
        );
        assert_eq!(
            Fibonacci::from_args(&args(&[])).unwrap_err().to_string(),
            "accepts 1 arg(s), received 0"
        );
        assert!(Fibonacci::from_args(&args(&["-1"])).is_err());
        assert!(Fibonacci::from_args(&args(&["100001"])).is_err());
        assert!(Fibonacci::from_args(&args(&["1", "2"])).is_err());
    }
}
