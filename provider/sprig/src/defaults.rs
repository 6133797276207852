//! Sprig's defaults.go without its JSON functions: `default`, `empty`, `coalesce`, `all`,
//! `any`, `ternary`.

use circleci_gotemplate::Value;

use crate::Reg;
use crate::cast::empty;

pub(crate) fn register(r: &mut Reg) {
    // dfault(d interface{}, given ...interface{}): the first given unless absent or empty.
    r.add("default", |a| {
        a.at_least(1)?;
        Ok(match a.v.get(1) {
            Some(g) if !empty(g) => g.clone(),
            _ => a.any(0).clone(),
        })
    });
    r.add("empty", |a| {
        a.exact(1)?;
        Ok(Value::Bool(empty(a.any(0))))
    });
    r.add("coalesce", |a| {
        Ok(a.v.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil))
    });
    r.add("all", |a| Ok(Value::Bool(a.v.iter().all(|v| !empty(v)))));
    r.add("any", |a| Ok(Value::Bool(a.v.iter().any(|v| !empty(v)))));
    r.add("ternary", |a| {
        a.exact(3)?;
        let cond = a.bool(2)?;
        Ok(if cond { a.any(0) } else { a.any(1) }.clone())
    });
}
