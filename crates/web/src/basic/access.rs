//! What the caller's role may do with basic information, and how its records name the caller.

use wangge_domain::basic::access;
use wangge_domain::calendar::Date;
use wangge_domain::err;
use wangge_domain::{Error, Role};
use wangge_store::audit::Actor;
use wangge_store::auth::Principal;

/// What the caller's role may do with basic information (inside their scope).
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub role: Role,
    pub write: bool,
    pub tags: bool,
    pub reveal: bool,
    pub audit: bool,
}

/// The caller's rights; a role that may not read the register at all is refused (403).
pub fn access_of(p: &Principal) -> Result<Access, Error> {
    let role = p.role();
    if !access::may_read(role) {
        return Err(err!("auth.forbidden"));
    }
    Ok(Access {
        role,
        write: access::may_write(role),
        tags: access::may_see_tags(role),
        reveal: access::may_reveal(role),
        audit: access::may_audit(role),
    })
}

impl Access {
    pub fn require_write(&self) -> Result<(), Error> {
        if self.write {
            Ok(())
        } else {
            Err(err!("auth.forbidden"))
        }
    }

    pub fn require_tags(&self) -> Result<(), Error> {
        if self.tags {
            Ok(())
        } else {
            Err(err!("auth.forbidden"))
        }
    }
}

pub fn actor(p: &Principal) -> Actor {
    Actor::user(p.user_id, p.display_name.clone())
}

/// Today in China (UTC+8).
pub fn today(now_ms: i64) -> Result<Date, Error> {
    Date::from_days((now_ms + 8 * 3_600_000).div_euclid(86_400_000))
        .ok_or_else(|| err!("internal", detail = "the clock is out of range"))
}
