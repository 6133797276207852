//! Renders the attribute reference of each resource from its schema, so docs/ never drifts
//! from the code (a test compares them; `UPDATE_DOCS=1 cargo test --test acceptance docs::` rewrites).

use crate::schema::{Attribute, Block, Mode, Nesting};

pub const BEGIN: &str = "<!-- schema: generated from the provider's schema; do not edit by hand -->";
pub const END: &str = "<!-- end schema -->";

fn attribute_line(attr: &Attribute) -> String {
    let kind = match attr.mode {
        Mode::Required => "Required",
        Mode::Optional | Mode::OptionalComputed => "Optional",
        Mode::Computed => "Read-only",
    };
    let sensitive = if attr.sensitive { ", sensitive" } else { "" };
    format!(
        "- `{}` ({}, {kind}{sensitive}) {}\n",
        attr.name,
        attr.ty.friendly_name(),
        attr.full_description()
    )
}

fn render_block(block: &Block, heading: &str, out: &mut String) {
    for (title, modes) in [
        ("Required", &[Mode::Required][..]),
        ("Optional", &[Mode::Optional, Mode::OptionalComputed][..]),
        ("Read-only", &[Mode::Computed][..]),
    ] {
        let attrs: Vec<_> = block.attributes.iter().filter(|a| modes.contains(&a.mode)).collect();
        if attrs.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{heading} {title}\n\n"));
        for a in attrs {
            out.push_str(&attribute_line(a));
        }
    }
    for nested in &block.blocks {
        let shape = match nested.nesting {
            Nesting::Single => "block, at most one",
            Nesting::List => "block list",
            Nesting::Set => "block set",
        };
        let required = if nested.min_items > 0 { ", required" } else { "" };
        out.push_str(&format!(
            "\n{heading} Block `{}` ({shape}{required})\n\n{}\n",
            nested.name, nested.block.description
        ));
        render_block(&nested.block, &format!("{heading}#"), out);
    }
}

/// The generated part of a resource's page.
pub fn render(block: &Block) -> String {
    let mut out = format!("{BEGIN}\n## Schema\n");
    render_block(block, "###", &mut out);
    out.push_str(END);
    out.push('\n');
    out
}
