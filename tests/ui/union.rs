use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run};

#[derive(Job)]
union Bits {
    int: u32,
    float: f32,
}

impl Serialize for Bits {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // SAFETY: every bit pattern is a valid u32.
        serializer.serialize_u32(unsafe { self.int })
    }
}

impl<'de> Deserialize<'de> for Bits {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u32::deserialize(deserializer).map(|int| Bits { int })
    }
}

impl Run for Bits {
    type Output = f32;
    fn run(self, _ctx: &JobContext) -> Result<f32, JobError> {
        // SAFETY: every bit pattern is a valid f32.
        Ok(unsafe { self.float })
    }
}

fn main() {
    let _ = <Bits as Job>::NAME;
}
