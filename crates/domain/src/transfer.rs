//! Transfers of a person's registration between grids (人口迁入/迁出). A worker who finds an
//! ID number registered outside their area asks for the person to move into their grid; the
//! lowest office above both grids decides, because only there does someone see both sides.
//! These are the rules without I/O: which office that is, who may ask and who may decide, and
//! what a request's status may become.

use serde::Serialize;

use crate::permission::{Permission, may};
use crate::role::Role;

/// Longest reason or decision note, in characters.
pub const MAX_TEXT: usize = 500;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Approved,
    Refused,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Pending, Status::Approved, Status::Refused];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|v| v.as_str() == s.trim())
    }

    /// Only a pending request is decided, once.
    pub fn may_decide(self) -> bool {
        self == Status::Pending
    }
}

/// The path of the lowest node above both grids (`/a/b/g1/` and `/a/c/g2/` give `/a/`): the
/// office that decides a transfer between them. Two paths in the same grid give that grid's
/// parent (no office sits at a grid). `None` when they share no node at all.
pub fn lowest_common_office(from_grid: &str, to_grid: &str) -> Option<String> {
    let a: Vec<&str> = from_grid.split('/').filter(|s| !s.is_empty()).collect();
    let b: Vec<&str> = to_grid.split('/').filter(|s| !s.is_empty()).collect();
    let mut common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == a.len() || common == b.len() {
        // One path holds the other: the office is above the shorter one.
        common = common.min(a.len()).min(b.len()).saturating_sub(1);
    }
    if common == 0 {
        return None;
    }
    Some(format!("/{}/", a[..common].join("/")))
}

/// Whether a role may ask for a person to move into a grid of its area: the roles that keep
/// the register.
pub fn may_request(role: Role) -> bool {
    may(role, Permission::WriteBasic)
}

/// Whether a user of `role` at `user_path` decides a transfer whose lowest common office is
/// `office_path`: a deciding role at that office or above it.
pub fn may_decide(role: Role, user_path: &str, office_path: &str) -> bool {
    may(role, Permission::DecideTransfers)
        && !user_path.is_empty()
        && user_path.ends_with('/')
        && office_path.starts_with(user_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const G1: &str = "/350100/350102/350102001/350102001001/350102001001001/";
    const G2: &str = "/350100/350102/350102001/350102001001/350102001001002/";
    const GB: &str = "/350100/350102/350102002/350102002001/350102002001001/";

    #[test]
    fn the_office_is_the_lowest_node_above_both() {
        assert_eq!(
            lowest_common_office(G1, GB).as_deref(),
            Some("/350100/350102/")
        );
        assert_eq!(
            lowest_common_office(G1, G2).as_deref(),
            Some("/350100/350102/350102001/350102001001/")
        );
        assert_eq!(
            lowest_common_office(G1, G1).as_deref(),
            Some("/350100/350102/350102001/350102001001/")
        );
        assert_eq!(lowest_common_office("/1/2/", "/3/4/"), None);
        assert_eq!(lowest_common_office("", G1), None);
    }

    #[test]
    fn operators_and_administrators_at_the_office_or_above_decide() {
        let office = "/350100/350102/";
        assert!(may_decide(Role::Operator, "/350100/350102/", office));
        assert!(may_decide(Role::Operator, "/350100/", office));
        assert!(may_decide(Role::Admin, "/350100/", office));
        // Below the office: sees only one side.
        assert!(!may_decide(
            Role::Operator,
            "/350100/350102/350102001/",
            office
        ));
        // A sibling county.
        assert!(!may_decide(Role::Operator, "/350100/350103/", office));
        // Roles that do not decide, even at the office.
        for r in [
            Role::Leader,
            Role::Commander,
            Role::GridLeader,
            Role::Worker,
        ] {
            assert!(!may_decide(r, "/350100/", office), "{r:?}");
        }
        assert!(!may_decide(Role::Operator, "", office));
        assert!(!may_decide(Role::Operator, "/350100", "/3501001/"));
    }

    #[test]
    fn keepers_of_the_register_request() {
        assert!(may_request(Role::Worker));
        assert!(may_request(Role::GridLeader));
        assert!(!may_request(Role::Leader));
        assert!(!may_request(Role::Volunteer));
    }

    #[test]
    fn statuses_round_trip_and_only_pending_is_decided() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("done"), None);
        assert!(Status::Pending.may_decide());
        assert!(!Status::Approved.may_decide());
        assert!(!Status::Refused.may_decide());
    }
}
