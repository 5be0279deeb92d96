//! Namespaces, mounts, cgroups and privileges for workernator sandboxes.
#![warn(missing_docs, unreachable_pub)]
