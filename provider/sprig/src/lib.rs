//! Sprig v3's functions, as Helm puts them in every template's function map (less `env` and
//! `expandenv`, which Helm removes), over [`circleci_gotemplate::Value`].
