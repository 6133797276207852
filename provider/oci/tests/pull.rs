//! Pulls against a real registry on 127.0.0.1 (Debian's docker-registry, CNCF distribution,
//! with htpasswd), directly and behind a bearer-token front.

use acceptance_tests::oci_registry::{self, BearerFront, OciRegistry, TokenField};
use circleci_oci::{Cache, Client, Credentials, Error, Options, Origin, Reference};

/// A chart archive as `helm package` makes it: `NAME/Chart.yaml` in a gzipped tar.
fn chart_archive(name: &str, version: &str) -> Vec<u8> {
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    let chart_yaml = format!("apiVersion: v2\nname: {name}\nversion: {version}\n");
    let mut header = tar::Header::new_gnu();
    header.set_size(chart_yaml.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, format!("{name}/Chart.yaml"), chart_yaml.as_bytes())
        .unwrap();
    tar.into_inner().unwrap().finish().unwrap()
}

fn credentials() -> Option<Credentials> {
    Some(Credentials {
        username: oci_registry::USERNAME.into(),
        password: oci_registry::PASSWORD.into(),
    })
}

fn client(credentials: Option<Credentials>, cache: Option<Cache>) -> Client {
    Client::new(Options {
        credentials,
        plain_http: true,
        cache,
        timeout: None,
    })
    .unwrap()
}

fn reference(host: &str, chart: &str, version: Option<&str>) -> Reference {
    Reference::parse(&format!("oci://{host}/{chart}"), version).unwrap()
}

async fn pull_err(client: &Client, reference: &Reference) -> Error {
    match client.pull(reference).await {
        Ok(p) => panic!("{reference}: expected an error, pulled {}", p.manifest_digest),
        Err(e) => e,
    }
}

#[tokio::test]
async fn pull_by_tag_with_basic_auth_gives_the_pushed_archive() {
    let registry = OciRegistry::start();
    let archive = chart_archive("circleci-server", "4.10.0");
    let pushed = registry.push_chart("charts/circleci-server", "4.10.0", &archive);
    let pulled = client(credentials(), None)
        .pull(&reference(&registry.host, "charts/circleci-server", Some("4.10.0")))
        .await
        .unwrap();
    assert_eq!(pulled.archive, archive);
    assert_eq!(pulled.chart_digest.as_str(), pushed.chart_digest);
    assert_eq!(pulled.manifest_digest.as_str(), pushed.manifest_digest);
    assert_eq!(pulled.origin, Origin::Registry);
}

#[tokio::test]
async fn plus_in_a_version_pulls_the_underscore_tag() {
    let registry = OciRegistry::start();
    let archive = chart_archive("app", "1.0.0+build.7");
    registry.push_chart("app", "1.0.0_build.7", &archive);
    let pulled = client(credentials(), None)
        .pull(&reference(&registry.host, "app", Some("1.0.0+build.7")))
        .await
        .unwrap();
    assert_eq!(pulled.archive, archive);
}

#[tokio::test]
async fn pull_by_digest() {
    let registry = OciRegistry::start();
    let archive = chart_archive("app", "1.2.3");
    let pushed = registry.push_chart("app", "1.2.3", &archive);
    let r = Reference::parse(&format!("oci://{}/app@{}", registry.host, pushed.manifest_digest), None).unwrap();
    let pulled = client(credentials(), None).pull(&r).await.unwrap();
    assert_eq!(pulled.archive, archive);
}

#[tokio::test]
async fn wrong_password_is_refused_naming_registry_and_reference() {
    let registry = OciRegistry::start();
    registry.push_chart("app", "1.0.0", &chart_archive("app", "1.0.0"));
    let wrong = Some(Credentials {
        username: oci_registry::USERNAME.into(),
        password: "not-it".into(),
    });
    let r = reference(&registry.host, "app", Some("1.0.0"));
    let e = pull_err(&client(wrong, None), &r).await;
    let text = e.to_string();
    assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
    assert!(
        text.contains(&registry.host) && text.contains(&format!("oci://{}/app:1.0.0", registry.host)),
        "{text}"
    );
    assert!(text.contains("check the username and password"), "{text}");
    assert!(!text.contains("not-it"), "the password never appears: {text}");
}

#[tokio::test]
async fn anonymous_pull_from_a_registry_that_wants_a_password_says_to_give_one() {
    let registry = OciRegistry::start();
    registry.push_chart("app", "1.0.0", &chart_archive("app", "1.0.0"));
    let e = pull_err(&client(None, None), &reference(&registry.host, "app", Some("1.0.0"))).await;
    let text = e.to_string();
    assert!(
        text.contains("asks for a username and password") && text.contains("give the registry's username and password"),
        "{text}"
    );
}

#[tokio::test]
async fn missing_tag_is_not_found_naming_the_tag() {
    let registry = OciRegistry::start();
    registry.push_chart("app", "1.0.0", &chart_archive("app", "1.0.0"));
    let e = pull_err(
        &client(credentials(), None),
        &reference(&registry.host, "app", Some("9.9.9")),
    )
    .await;
    let text = e.to_string();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    assert!(
        text.contains("tag \"9.9.9\"") && text.contains(&registry.host),
        "{text}"
    );
}

#[tokio::test]
async fn tampered_blob_is_refused_and_not_cached() {
    let registry = OciRegistry::start();
    let archive = chart_archive("app", "1.0.0");
    let pushed = registry.push_chart("app", "1.0.0", &archive);
    let mut damaged = archive.clone();
    *damaged.last_mut().unwrap() ^= 0xff;
    std::fs::write(registry.blob_file(&pushed.chart_digest), &damaged).unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(cache_dir.path());
    let e = pull_err(
        &client(credentials(), Some(cache.clone())),
        &reference(&registry.host, "app", Some("1.0.0")),
    )
    .await;
    let text = e.to_string();
    assert!(matches!(e, Error::DigestMismatch { .. }), "{e:?}");
    assert!(
        text.contains(&pushed.chart_digest) && text.contains("chart layer") && text.contains(&registry.host),
        "{text}"
    );
    let digest = circleci_oci::Digest::parse(&pushed.chart_digest).unwrap();
    assert_eq!(cache.get(&digest), None, "nothing damaged is kept");
}

#[tokio::test]
async fn an_image_is_not_a_chart() {
    let registry = OciRegistry::start();
    registry.push_artifact(
        "nginx",
        "1.27",
        "application/vnd.oci.image.config.v1+json",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        b"layer",
    );
    let e = pull_err(
        &client(credentials(), None),
        &reference(&registry.host, "nginx", Some("1.27")),
    )
    .await;
    let text = e.to_string();
    assert!(matches!(e, Error::NotAChart { .. }), "{e:?}");
    assert!(text.contains("application/vnd.oci.image.config.v1+json"), "{text}");
}

#[tokio::test]
async fn a_digest_pinned_chart_comes_from_the_cache_once_pulled_even_with_the_registry_gone() {
    let registry = OciRegistry::start();
    let archive = chart_archive("app", "1.0.0");
    let pushed = registry.push_chart("app", "1.0.0", &archive);
    let cache_dir = tempfile::tempdir().unwrap();
    let pinned = Reference::parse(&format!("oci://{}/app@{}", registry.host, pushed.manifest_digest), None).unwrap();
    let by_tag = reference(&registry.host, "app", Some("1.0.0"));
    let client = client(credentials(), Some(Cache::new(cache_dir.path())));
    assert_eq!(client.pull(&pinned).await.unwrap().origin, Origin::Registry);
    assert_eq!(
        client.pull(&by_tag).await.unwrap().origin,
        Origin::CachedChart,
        "a tag's manifest is asked for again (tags move)"
    );
    drop(registry);
    let pulled = client.pull(&pinned).await.unwrap();
    assert_eq!((pulled.origin, pulled.archive), (Origin::Cache, archive));
    let e = pull_err(&client, &by_tag).await;
    assert!(matches!(e, Error::Transport { .. }), "a tag needs the registry: {e:?}");
}

async fn pull_through(front: &BearerFront, credentials: Option<Credentials>) -> Result<circleci_oci::Pulled, Error> {
    client(credentials, None)
        .pull(&reference(&front.host, "circleci-server", Some("4.10.0")))
        .await
}

#[tokio::test]
async fn bearer_token_exchange_with_access_token_as_acr_answers() {
    let registry = OciRegistry::start();
    let archive = chart_archive("circleci-server", "4.10.0");
    registry.push_chart("circleci-server", "4.10.0", &archive);
    let front = registry.bearer_front(TokenField::AccessToken, false);
    assert_eq!(pull_through(&front, credentials()).await.unwrap().archive, archive);
}

#[tokio::test]
async fn bearer_token_exchange_with_distribution_token_field() {
    let registry = OciRegistry::start();
    let archive = chart_archive("circleci-server", "4.10.0");
    registry.push_chart("circleci-server", "4.10.0", &archive);
    let front = registry.bearer_front(TokenField::Token, false);
    assert_eq!(pull_through(&front, credentials()).await.unwrap().archive, archive);
}

#[tokio::test]
async fn bearer_token_service_refusing_the_password_names_the_token_service() {
    let registry = OciRegistry::start();
    registry.push_chart("circleci-server", "4.10.0", &chart_archive("circleci-server", "4.10.0"));
    let front = registry.bearer_front(TokenField::AccessToken, false);
    let wrong = Some(Credentials {
        username: "circleci".into(),
        password: "wrong".into(),
    });
    let e = pull_through(&front, wrong).await.unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("token service")
            && text.contains("refused the username and password")
            && text.contains(&front.host),
        "{text}"
    );
    let e = pull_through(&front, None).await.unwrap_err();
    assert!(e.to_string().contains("refused anonymous access"), "{e}");
}

#[tokio::test]
async fn anonymous_bearer_pull_where_the_registry_allows_it() {
    let registry = OciRegistry::start();
    let archive = chart_archive("circleci-server", "4.10.0");
    registry.push_chart("circleci-server", "4.10.0", &archive);
    let front = registry.bearer_front(TokenField::Token, true);
    assert_eq!(pull_through(&front, None).await.unwrap().archive, archive);
}
