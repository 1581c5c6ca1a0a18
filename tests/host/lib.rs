// SPDX-License-Identifier: GPL-2.0

//! Host build of the module's pure decision logic, for `cargo test`.

#[path = "../../localio/policy.rs"]
pub mod policy;

#[cfg(test)]
mod tests {
    use super::policy::*;

    #[test]
    fn every_request_is_declined_without_a_local_path() {
        for kind in RequestKind::ALL {
            assert_eq!(
                decide(kind, 4096),
                Decision::Decline(DeclineReason::NoLocalPath)
            );
        }
    }

    #[test]
    fn counters_account_offers_bytes_and_reasons_per_kind() {
        let c = Counters::new();
        let decline = Decision::Decline(DeclineReason::NoLocalPath);
        c.record(RequestKind::Write, 1 << 20, decline);
        c.record(RequestKind::Write, 4096, decline);
        c.record(RequestKind::Read, 512, decline);
        assert_eq!(c.offered(RequestKind::Write), 2);
        assert_eq!(c.offered_bytes(RequestKind::Write), (1 << 20) + 4096);
        assert_eq!(c.offered(RequestKind::Read), 1);
        assert_eq!(c.offered_bytes(RequestKind::Read), 512);
        assert_eq!(c.offered(RequestKind::Commit), 0);
        assert_eq!(c.declined(DeclineReason::NoLocalPath), 3);
    }

    #[test]
    fn counters_are_exact_under_concurrent_updates() {
        let c = std::sync::Arc::new(Counters::new());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        c.record(
                            RequestKind::Commit,
                            1,
                            Decision::Decline(DeclineReason::NoLocalPath),
                        );
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(c.offered(RequestKind::Commit), 40_000);
        assert_eq!(c.offered_bytes(RequestKind::Commit), 40_000);
    }

    #[test]
    fn kinds_match_the_c_enum_order() {
        // glue.h: LOCALIO_RS_READ = 0, LOCALIO_RS_WRITE = 1, LOCALIO_RS_COMMIT = 2.
        assert_eq!(
            RequestKind::ALL,
            [RequestKind::Read, RequestKind::Write, RequestKind::Commit]
        );
        let glue = include_str!("../../localio/glue.h");
        for (i, name) in ["READ", "WRITE", "COMMIT"].iter().enumerate() {
            assert!(
                glue.contains(&format!("LOCALIO_RS_{name} = {i},")),
                "{name}"
            );
        }
    }

    #[test]
    fn names_are_unique_and_lowercase() {
        let mut names: Vec<&str> = RequestKind::ALL.iter().map(|k| k.name()).collect();
        names.extend(DeclineReason::ALL.iter().map(|r| r.name()));
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        assert!(names
            .iter()
            .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    }
}
