//! Tags in the shapes the EC2 API takes and returns.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Tag;

/// `tags` as EC2 tags.
pub(crate) fn ec2_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// True when EC2 `tags` hold the owner tag.
pub(crate) fn ec2_owned(tags: &[Tag]) -> bool {
    crate::adopt::is_owned(tags.iter().filter_map(|t| Some((t.key()?, t.value()?))))
}
