//! Sprig's reflect.go and `deepEqual`: Go's `%T` and `reflect.Kind` names of a value.

use circleci_gotemplate::Value;
use circleci_gotemplate::fmt::type_name;

use crate::cast::{deep_equal, kind_of};
use crate::{Reg, vs};

pub(crate) fn register(r: &mut Reg) {
    r.add("typeOf", |a| {
        a.exact(1)?;
        Ok(vs(type_name(a.any(0))))
    });
    r.add("typeIs", |a| {
        a.exact(2)?;
        Ok(Value::Bool(a.str(0)? == type_name(a.any(1))))
    });
    r.add("typeIsLike", |a| {
        a.exact(2)?;
        let (target, t) = (a.str(0)?, type_name(a.any(1)));
        // Sprig accepts the pointer type too.
        Ok(Value::Bool(target == t || format!("*{target}") == t))
    });
    r.add("kindOf", |a| {
        a.exact(1)?;
        Ok(vs(kind_of(a.any(0))))
    });
    r.add("kindIs", |a| {
        a.exact(2)?;
        Ok(Value::Bool(a.str(0)? == kind_of(a.any(1))))
    });
    r.add("deepEqual", |a| {
        a.exact(2)?;
        Ok(Value::Bool(deep_equal(a.any(0), a.any(1))))
    });
}
