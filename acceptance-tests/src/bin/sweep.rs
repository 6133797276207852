//! Deletes what acceptance tests left in an AWS account: objects with this provider's owner tag
//! whose names start with `--prefix`, older than `--older-than`. Credentials and region come from
//! the standard AWS chain (AWS_ENDPOINT_URL points it at an emulator). Prints one line per object.
//!
//! `cargo run -p acceptance-tests --bin sweep -- --prefix tfacc- --older-than 2h [--dry-run]`

use std::time::Duration;

use acceptance_tests::sweep::{Filter, sweep};

fn usage() -> ! {
    eprintln!("usage: sweep --prefix PREFIX [--older-than 2h|30m|90s|0] [--dry-run]");
    std::process::exit(2)
}

fn duration(text: &str) -> Option<Duration> {
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = number.parse().ok()?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut prefix, mut older_than, mut dry_run) = (None, Duration::from_secs(2 * 3600), false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--prefix" => prefix = args.next(),
            "--older-than" => older_than = args.next().as_deref().and_then(duration).unwrap_or_else(|| usage()),
            "--dry-run" => dry_run = true,
            _ => usage(),
        }
    }
    // An empty prefix would sweep every object the provider made, test or not.
    let prefix = prefix.filter(|p| !p.is_empty()).unwrap_or_else(|| usage());
    let env = |k: &str| {
        std::env::var(k)
            .ok()
            .map(circleci_cty::Value::from)
            .unwrap_or(circleci_cty::Value::Null)
    };
    let block = circleci_cty::Value::object([
        (
            "region",
            std::env::var("AWS_REGION")
                .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
                .map(circleci_cty::Value::from)
                .unwrap_or(circleci_cty::Value::Null),
        ),
        ("endpoint_url", env("AWS_ENDPOINT_URL")),
        ("profile", env("AWS_PROFILE")),
        ("max_attempts", circleci_cty::Value::int(10)),
        ("retry_mode", circleci_cty::Value::from("standard")),
        ("default_tags", circleci_cty::Value::Null),
        ("assume_role", circleci_cty::Value::Null),
    ]);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let aws = match runtime.block_on(circleci_aws::Aws::from_block(&block)) {
        Ok(aws) => aws,
        Err(diags) => {
            eprintln!("AWS is not configured: {diags:?}");
            std::process::exit(1);
        }
    };
    let filter = Filter {
        prefix,
        older_than,
        dry_run,
    };
    let swept = match runtime.block_on(sweep(&aws, &filter)) {
        Ok(swept) => swept,
        Err(e) => {
            eprintln!("could not list what to sweep: {e}");
            std::process::exit(1);
        }
    };
    let mut left = 0;
    for object in &swept {
        match &object.left_because {
            None if dry_run => println!("would delete {} {}", object.kind, object.name),
            None => println!("deleted {} {}", object.kind, object.name),
            Some(why) => {
                left += 1;
                println!("left {} {}: {why}", object.kind, object.name);
            }
        }
    }
    println!("{} found, {} left", swept.len(), left);
    if left > 0 {
        std::process::exit(1);
    }
}
