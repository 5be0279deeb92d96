//! What the runner has (capacity), what a job asks for (demand), what is in use,
//! and whether a demand fits.
//!
//! A job that declares no cpu limit (or no memory limit) has a demand of zero for
//! it: it counts only against `max_running` and against the budgets it declares.
//! Such a job can use more than the budget promises to others; declaring limits
//! is what makes the budgets mean something.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One thing admission counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Resource {
    /// Running jobs, against `max_running`.
    Slots,
    /// CPU, in millicores (1000 = one core), against the cpu budget.
    Cpu,
    /// Memory, in bytes, against the memory budget.
    Memory,
}

impl Resource {
    /// `value` of this resource, displayed in its unit ("2 GiB of memory").
    pub(crate) fn amount(self, value: u64) -> Amount {
        Amount {
            resource: self,
            value,
        }
    }
}

/// An amount of a resource, displayed for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Amount {
    resource: Resource,
    value: u64,
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.resource {
            Resource::Slots if self.value == 1 => f.write_str("1 running job"),
            Resource::Slots => write!(f, "{} running jobs", self.value),
            Resource::Cpu => {
                let (whole, milli) = (self.value / 1000, self.value % 1000);
                if milli == 0 {
                    write!(f, "{whole} cpu cores")
                } else {
                    let fraction = format!("{milli:03}");
                    write!(f, "{whole}.{} cpu cores", fraction.trim_end_matches('0'))
                }
            }
            Resource::Memory => write_bytes(f, self.value),
        }
    }
}

fn write_bytes(f: &mut fmt::Formatter<'_>, bytes: u64) -> fmt::Result {
    const UNITS: [(&str, u64); 4] = [
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ];
    for (name, size) in UNITS {
        if bytes >= size {
            return if bytes % size == 0 {
                write!(f, "{} {name} of memory", bytes / size)
            } else {
                // Display only: the rounding of a float is fine here.
                write!(f, "{:.1} {name} of memory", bytes as f64 / size as f64)
            };
        }
    }
    write!(f, "{bytes} bytes of memory")
}

/// What one job asks of the budgets while it runs; zero where it declares no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Demand {
    /// The job's cpu limit in millicores (1000 = one core); 0 if it has none.
    pub(crate) cpu_millicores: u64,
    /// The job's memory limit in bytes; 0 if it has none.
    pub(crate) memory_bytes: u64,
}

/// What the runner may have running at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Capacity {
    /// Most jobs running at once.
    pub(crate) max_running: u64,
    /// Sum of running jobs' cpu limits, in millicores.
    pub(crate) cpu_millicores: u64,
    /// Sum of running jobs' memory limits, in bytes.
    pub(crate) memory_bytes: u64,
}

impl Capacity {
    /// At most `max_running` jobs, with no cpu or memory budget.
    pub(crate) fn jobs(max_running: u64) -> Capacity {
        Capacity {
            max_running,
            cpu_millicores: u64::MAX,
            memory_bytes: u64::MAX,
        }
    }

    /// The same, with a cpu budget of `millicores`.
    pub(crate) fn cpu_millicores(self, millicores: u64) -> Capacity {
        Capacity {
            cpu_millicores: millicores,
            ..self
        }
    }

    /// The same, with a memory budget of `bytes`.
    pub(crate) fn memory_bytes(self, bytes: u64) -> Capacity {
        Capacity {
            memory_bytes: bytes,
            ..self
        }
    }

    /// The first resource of which `demand` wants more than this whole capacity,
    /// with the amount wanted and the capacity: such a job can never start.
    pub(crate) fn exceeded_by(&self, demand: Demand) -> Option<(Resource, u64, u64)> {
        if demand.memory_bytes > self.memory_bytes {
            Some((Resource::Memory, demand.memory_bytes, self.memory_bytes))
        } else if demand.cpu_millicores > self.cpu_millicores {
            Some((Resource::Cpu, demand.cpu_millicores, self.cpu_millicores))
        } else if self.max_running == 0 {
            Some((Resource::Slots, 1, 0))
        } else {
            None
        }
    }
}

/// A resource a job needs more of than is free now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shortage {
    /// Which resource.
    pub(crate) resource: Resource,
    /// How much the job needs.
    pub(crate) needed: u64,
    /// How much is free for it now.
    pub(crate) free: u64,
}

/// What the running jobs use, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    /// Running jobs.
    pub(crate) running: u64,
    /// Their cpu demands, summed.
    pub(crate) cpu_millicores: u64,
    /// Their memory demands, summed.
    pub(crate) memory_bytes: u64,
}

impl Usage {
    /// Counts one more running job.
    pub(crate) fn add(&mut self, demand: Demand) {
        self.running = self.running.saturating_add(1);
        self.cpu_millicores = self.cpu_millicores.saturating_add(demand.cpu_millicores);
        self.memory_bytes = self.memory_bytes.saturating_add(demand.memory_bytes);
    }

    /// Counts one running job fewer.
    pub(crate) fn remove(&mut self, demand: Demand) {
        self.running = self.running.saturating_sub(1);
        self.cpu_millicores = self.cpu_millicores.saturating_sub(demand.cpu_millicores);
        self.memory_bytes = self.memory_bytes.saturating_sub(demand.memory_bytes);
    }

    /// Whether a job demanding `demand` fits in `capacity` now, with `held`
    /// kept back (for a reserved job); if not, the first resource short.
    pub(crate) fn check(
        &self,
        capacity: &Capacity,
        demand: Demand,
        held: Demand,
    ) -> Result<(), Shortage> {
        let free =
            |total: u64, used: u64, held: u64| total.saturating_sub(used).saturating_sub(held);
        let slots = free(capacity.max_running, self.running, 0);
        if slots == 0 {
            return Err(Shortage {
                resource: Resource::Slots,
                needed: 1,
                free: 0,
            });
        }
        let memory = free(capacity.memory_bytes, self.memory_bytes, held.memory_bytes);
        if demand.memory_bytes > memory {
            return Err(Shortage {
                resource: Resource::Memory,
                needed: demand.memory_bytes,
                free: memory,
            });
        }
        let cpu = free(
            capacity.cpu_millicores,
            self.cpu_millicores,
            held.cpu_millicores,
        );
        if demand.cpu_millicores > cpu {
            return Err(Shortage {
                resource: Resource::Cpu,
                needed: demand.cpu_millicores,
                free: cpu,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
