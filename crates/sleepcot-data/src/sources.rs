//! Citable sources: the allow-list of hosts a `source_url` may point at, and the check that
//! every fact of the knowledge bank and every norm of the rule table must pass.
//!
//! A citable URL names one specific work (a guideline, a paper, a documentation page) where the
//! work itself, or an authoritative record of it, lives. Mirrors, translation proxies, pirated
//! copies, AI-answer pages, blogs, news, student notes and SEO pages are not citable even when
//! they quote a primary work word for word: cite the work, not the copy. Homepages and search
//! pages are not citable either, whatever the host, because they name no work.

use thiserror::Error;

/// Guideline bodies and professional societies. They issue the consensus statements, clinical
/// practice guidelines and professional texts that set sleep norms (the American Academy of
/// Sleep Medicine and its journal, the National Sleep Foundation, the American Sleep Apnea
/// Association).
pub const GUIDELINE_BODIES: &[&str] = &[
    "aasm.org",
    "sleepeducation.org",
    "sleepfoundation.org",
    "thensf.org",
    "sleepapnea.org",
    "sleepresearchsociety.org",
];

/// Persistent identifiers: a DOI resolves to the publisher's record of exactly one work.
pub const IDENTIFIERS: &[&str] = &["doi.org"];

/// Journals' and publishers' own sites, where the version of record of a paper lives.
pub const JOURNALS: &[&str] = &[
    "academic.oup.com",
    "sciencedirect.com",
    "thelancet.com",
    "nature.com",
    "cell.com",
    "journals.plos.org",
    "biomedcentral.com",
    "diabetesjournals.org",
    "dovepress.com",
    "mdpi.com",
    "link.springer.com",
    "onlinelibrary.wiley.com",
    "journals.lww.com",
    "jamanetwork.com",
    "nejm.org",
    "bmj.com",
    "pnas.org",
    "physiology.org",
    "atsjournals.org",
    "ersjournals.com",
    "sleephealthjournal.org",
    "journal.chestnet.org",
    "mayoclinicproceedings.org",
    "frontiersin.org",
    "jmir.org",
    "tandfonline.com",
    "journals.sagepub.com",
    "karger.com",
];

/// PubMed, PubMed Central and the NCBI Bookshelf, run by the US National Library of Medicine:
/// stable records (PMID, PMCID, NBK id) of peer-reviewed papers and of reference books.
pub const LITERATURE_INDEXES: &[&str] = &[
    "pubmed.ncbi.nlm.nih.gov",
    "pmc.ncbi.nlm.nih.gov",
    "ncbi.nlm.nih.gov/books",
];

/// Government health agencies, whose pages are official public-health guidance.
pub const GOVERNMENT_HEALTH: &[&str] = &[
    "nih.gov",
    "cdc.gov",
    "fda.gov",
    "hhs.gov",
    "medlineplus.gov",
    "va.gov",
    "nhs.uk",
    "nice.org.uk",
    "who.int",
];

/// Vendors' own documentation on the vendor's own domain: the authority on what a device
/// exports and how its scores are defined. Only the documentation part of each site counts (a
/// vendor's blog or marketing pages do not), hence the path prefixes.
pub const VENDOR_DOCS: &[&str] = &[
    "support.ouraring.com",
    "cloud.ouraring.com/docs",
    "cloud.ouraring.com/v2/docs",
    "developer.whoop.com",
    "dev.fitbit.com",
    "support.google.com/fitbit",
    "developer.apple.com",
    "apple.com/health",
    "developer.garmin.com",
];

/// Official homes of validated questionnaires, kept by the instrument's author: the reference
/// for how the instrument is scored and its bands read.
pub const INSTRUMENT_HOMES: &[&str] = &["epworthsleepinessscale.com"];

/// Every allow-listed entry, group by group. An entry is a host, which also admits its
/// subdomains (`www.`, `jcsm.`), optionally followed by a path prefix (`apple.com/health`) when
/// only that part of the site is citable.
pub const CITABLE_HOSTS: &[&[&str]] = &[
    GUIDELINE_BODIES,
    IDENTIFIERS,
    JOURNALS,
    LITERATURE_INDEXES,
    GOVERNMENT_HEALTH,
    VENDOR_DOCS,
    INSTRUMENT_HOMES,
];

/// Query parameters that make a page a search page.
const SEARCH_PARAMS: &[&str] = &[
    "q",
    "query",
    "term",
    "s",
    "search",
    "searchterm",
    "keyword",
    "keywords",
];

/// Query parameters that only track how a page was reached; a cited URL leaves them out.
const TRACKING_PARAMS: &[&str] = &["dopt", "fbclid", "gclid", "ref", "ref_topic", "mc_cid"];

/// Why a URL cannot be cited.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SourceError {
    /// The URL does not start with `https://` or `http://`.
    #[error("{url:?} is not an http(s) URL")]
    NotHttp {
        /// The rejected URL.
        url: String,
    },
    /// The URL cannot be read as scheme, host and path.
    #[error("{url:?} is malformed: {reason}")]
    Malformed {
        /// The rejected URL.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The host (with its path) is not on [`CITABLE_HOSTS`].
    #[error("{url:?}: {host:?} is not on the citable allow-list")]
    HostNotCitable {
        /// The rejected URL.
        url: String,
        /// Its host, lower-cased.
        host: String,
    },
    /// The URL is a site's (or an allow-listed section's) homepage, which names no work.
    #[error("{url:?} is a homepage, not a specific work")]
    Homepage {
        /// The rejected URL.
        url: String,
    },
    /// The URL is a search page, which names no work.
    #[error("{url:?} is a search page, not a specific work")]
    SearchPage {
        /// The rejected URL.
        url: String,
    },
    /// The URL carries a tracking parameter such as `?dopt=Abstract`.
    #[error("{url:?} carries the tracking parameter {param:?}; cite the URL without it")]
    TrackingQuery {
        /// The rejected URL.
        url: String,
        /// The offending parameter's name.
        param: String,
    },
}

/// A URL split into the parts the check needs.
struct Parts<'a> {
    host: String,
    path: &'a str,
    query: &'a str,
}

fn parse(url: &str) -> Result<Parts<'_>, SourceError> {
    let malformed = |reason| SourceError::Malformed {
        url: url.to_string(),
        reason,
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(malformed("it contains whitespace"));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| SourceError::NotHttp {
            url: url.to_string(),
        })?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(malformed("it carries user information"));
    }
    if authority.contains(':') || authority.contains('[') {
        return Err(malformed("it names a port or a bare IPv6 address"));
    }
    let host = authority.to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return Err(malformed("it has no domain name"));
    }
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(malformed(
            "its host has characters a domain name cannot have",
        ));
    }
    if labels.iter().all(|l| l.chars().all(|c| c.is_ascii_digit())) {
        return Err(malformed("its host is a bare IP address"));
    }
    let before_fragment = tail.split('#').next().unwrap_or("");
    let (path, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    Ok(Parts { host, path, query })
}

/// Whether `host` is `allowed` or one of its subdomains (whole labels only).
fn host_matches(host: &str, allowed: &str) -> bool {
    host.strip_suffix(allowed)
        .is_some_and(|head| head.is_empty() || head.ends_with('.'))
}

/// Where `path` stands relative to an allow-listed section (`prefix` like `/docs`, or empty for
/// a whole site).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// At the section's root: its homepage.
    Root,
    /// Below the root: a page of the section.
    Inside,
    /// Elsewhere on the host.
    Outside,
}

fn placement(path: &str, prefix: &str) -> Placement {
    match path.strip_prefix(prefix) {
        Some(rest) if rest.trim_matches('/').is_empty() => Placement::Root,
        Some(rest) if rest.starts_with('/') => Placement::Inside,
        _ => Placement::Outside,
    }
}

/// Whether `text` has "search" as a word of its own (`/search`, `search-results`,
/// `searchTerm` split at non-letters), so that `research` does not count.
fn mentions_search(text: &str) -> bool {
    text.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| word == "search" || word.starts_with("search"))
}

/// Checks that `url` may stand as a `source_url`: an http(s) URL on an allow-listed host (see
/// [`CITABLE_HOSTS`]) that names a specific work, so neither a homepage nor a search page, and
/// carries no tracking parameter.
pub fn check_citable(url: &str) -> Result<(), SourceError> {
    let parts = parse(url)?;
    let mut matched: Vec<Placement> = Vec::new();
    for entry in CITABLE_HOSTS.iter().flat_map(|group| group.iter()) {
        let (allowed_host, prefix) = match entry.split_once('/') {
            Some((h, p)) => (h, format!("/{}", p.trim_end_matches('/'))),
            None => (*entry, String::new()),
        };
        if host_matches(&parts.host, allowed_host) {
            matched.push(placement(parts.path, &prefix));
        }
    }
    if matched.is_empty() {
        return Err(SourceError::HostNotCitable {
            url: url.to_string(),
            host: parts.host,
        });
    }
    let search = |url: &str| SourceError::SearchPage {
        url: url.to_string(),
    };
    if mentions_search(parts.path) {
        return Err(search(url));
    }
    for pair in parts.query.split('&').filter(|p| !p.is_empty()) {
        let name = pair.split('=').next().unwrap_or("").to_ascii_lowercase();
        if mentions_search(&name) || SEARCH_PARAMS.contains(&name.as_str()) {
            return Err(search(url));
        }
        if name.starts_with("utm_") || TRACKING_PARAMS.contains(&name.as_str()) {
            return Err(SourceError::TrackingQuery {
                url: url.to_string(),
                param: name,
            });
        }
    }
    if matched.contains(&Placement::Root) {
        return Err(SourceError::Homepage {
            url: url.to_string(),
        });
    }
    if !matched.contains(&Placement::Inside) {
        return Err(SourceError::HostNotCitable {
            url: url.to_string(),
            host: parts.host,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_of_the_bank_has_a_citable_source() {
        let bad: Vec<String> = crate::knowledge::facts()
            .iter()
            .filter_map(|f| {
                check_citable(f.source_url)
                    .err()
                    .map(|e| format!("{}: {e}", f.id))
            })
            .collect();
        assert!(
            bad.is_empty(),
            "uncitable fact sources:\n{}",
            bad.join("\n")
        );
    }

    #[test]
    fn every_rule_of_the_table_has_a_citable_source() {
        let bad: Vec<String> = crate::findings::RULES
            .iter()
            .filter_map(|r| {
                check_citable(r.source_url)
                    .err()
                    .map(|e| format!("{:?}: {e}", r.kind))
            })
            .collect();
        assert!(
            bad.is_empty(),
            "uncitable rule sources:\n{}",
            bad.join("\n")
        );
    }

    #[test]
    fn mirrors_proxies_answer_pages_blogs_and_news_are_rejected() {
        let bad = [
            "https://sonicgame.netlify.app/host-https-pubmed.ncbi.nlm.nih.gov/29073412",
            "https://proxy.weglot.com/wg_31e3b69165a930b5a27173d9b265f5a52/nl/en/pubmed.ncbi.nlm.nih.gov/39631226",
            "https://th4.ilovetranslation.com/Lt-jJwZdDTv=d",
            "https://pro.uptodatefree.ir/show/7689",
            "https://www.droracle.ai/articles/824932/how-is-narcolepsy-diagnosed",
            "https://www.studioglobal.ai/discover/answers/what-is-apple-s-new-sleep-apnea-notification",
            "https://pharmacy-notebook.com/en-gb/simplepage.cfm?ID=x20170729193151191130&linkID=78608",
            "https://www.citationimpact.com/journal-of-sleep-disorders-treatment-and-care/the-pittsburgh-sleep-quality-index-7556.html",
            "https://pubcompare.ai/protocol/ENFn1YwB4C3bMWOejupP",
            "https://discovery.researcher.life/topic/rem-sleep-episodes/26020195?page=5",
            "https://0-www-mdpi-com.brum.beds.ac.uk/1424-8220/21/13/4302",
            "https://keywords.selfstudy.app/sleep-apnea-classification/",
            "https://bloomtimes.org/health/ideal-room-temperature-for-a-restful-sleep",
            "https://biverson.com/2013/10/18/a-five-minute-nap-barely-increased-alertness-but/",
            "https://employment.expert/news/how-long-should-your-nap-be-according-to-a-nasa-study",
            "https://spotlightbrevard.com/nap-time",
            "https://all-about-sleep.com/2019/08/12/epworth-sleepiness-scale/",
            "https://www.babysleepstudy.org/national-sleep-foundation-sleep-quality",
            "https://eurekalert.org/pub_releases/2017-01/nsf-wig011917.php",
            "https://www.medscape.com/answers/1188226-194378/what-is-the-normal-sleep-pattern-in-adults",
            "https://raw.githubusercontent.com/api-evangelist/whoop/refs/heads/main/json-schema/whoop-recoveryscore-schema.json",
            "https://deno.land/x/oura_api@0.4.0/mod.ts",
            "https://app.unpkg.com/fitbit-api-client@0.4.6/files/dist/models/sleep.d.ts",
            "https://www.webmd.com/sleep-disorders/news/20120510/do-you-have-social-jet-lag",
            "https://www.techplip.com/fitbit-sleep-score/",
            "https://www.garminology.com/2025/02/01/how-garmin-calculates-sleep-score-and-tracks-your-sleep/",
            "https://ifttt.com/whoop/triggers/new_recovery_score",
            "http://sleepapnea.wikia.com/wiki/Desaturation",
            "http://ccsbio.blogspot.com/2012/05/social-jetlag.html",
            "http://47.251.13.51:8081/31006560",
            "http://47.251.13.51/31006560",
            "https://learn.microsoft.com/en-us/dotnet/api/healthkit.hkcategoryvaluesleepanalysis",
            "https://ouraring.com/blog/hrv-data",
            "https://www.whoop.com/gb/en/thelocker/normal-hrv-range-age-gender/",
            "https://sleepreviewmag.com/sleep-health/prevailing-attitudes/aasm-srs-adults-7-hours-sleep-per-night-necessity/",
            "https://www.apple.com/newsroom/2024/09/sleep-apnea-notifications/",
        ];
        for url in bad {
            assert!(check_citable(url).is_err(), "accepted {url}");
        }
    }

    #[test]
    fn homepages_and_search_pages_are_rejected() {
        for url in [
            "https://pubmed.ncbi.nlm.nih.gov/",
            "https://www.nih.gov",
            "https://aasm.org/",
            "https://developer.whoop.com",
            "https://support.google.com/fitbit/",
        ] {
            assert!(
                matches!(check_citable(url), Err(SourceError::Homepage { .. })),
                "{url}"
            );
        }
        for url in [
            "https://pubmed.ncbi.nlm.nih.gov/?term=sleep+apnea",
            "https://www.sleepfoundation.org/search?q=apnea",
            "https://www.ncbi.nlm.nih.gov/pmc/?term=insomnia",
            "https://www.cdc.gov/search/index.html?query=sleep",
            "https://academic.oup.com/sleep/search-results?page=1&q=ess",
        ] {
            assert!(
                matches!(check_citable(url), Err(SourceError::SearchPage { .. })),
                "{url}"
            );
        }
    }

    #[test]
    fn tracking_parameters_are_rejected() {
        assert!(matches!(
            check_citable("https://pubmed.ncbi.nlm.nih.gov/8989066/?dopt=Abstract"),
            Err(SourceError::TrackingQuery { .. })
        ));
        assert!(matches!(
            check_citable("https://jcsm.aasm.org/doi/10.5664/jcsm.3170?utm_source=x"),
            Err(SourceError::TrackingQuery { .. })
        ));
    }

    #[test]
    fn specific_works_on_allowed_hosts_are_accepted() {
        for url in [
            "https://pubmed.ncbi.nlm.nih.gov/29073412/",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC7853203/",
            "https://doi.org/10.1016/j.sleh.2014.12.010",
            "https://jcsm.aasm.org/doi/10.5664/jcsm.6288",
            "https://www.cell.com/current-biology/fulltext/S0960-9822(12)00325-9",
            "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0227709",
            "http://sleepdisorders.sleepfoundation.org/chapter-1-normal-sleep/sleep-regulation/",
            "https://www.ncbi.nlm.nih.gov/books/NBK19956/",
            "https://support.ouraring.com/hc/en-us/articles/360025445574-Sleep-Score",
            "https://developer.apple.com/documentation/healthkit/hkcategoryvaluesleepanalysis/asleepcore",
            "https://cloud.ouraring.com/docs/sleep",
            "https://www.apple.com/health/pdf/sleep-apnea/notes.pdf",
            "https://www.nih.gov/news-events/nih-research-matters/sleep-item",
        ] {
            assert_eq!(check_citable(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn hosts_match_whole_labels_and_sections_only() {
        for url in [
            "https://evilaasm.org/guideline",
            "https://aasm.org.example.com/guideline",
            "https://cloud.ouraring.com/oauth/authorize",
            "https://cloud.ouraring.com/docsx/sleep",
            "https://support.google.com/youtube/answer/1",
        ] {
            assert!(
                matches!(check_citable(url), Err(SourceError::HostNotCitable { .. })),
                "{url}"
            );
        }
        assert_eq!(
            check_citable("https://WWW.AASM.ORG/some-statement/"),
            Ok(())
        );
    }

    #[test]
    fn non_http_and_malformed_urls_are_rejected() {
        assert!(matches!(
            check_citable("ftp://pubmed.ncbi.nlm.nih.gov/1/"),
            Err(SourceError::NotHttp { .. })
        ));
        for url in [
            "https://support.google.com:443/fitbit/answer/14236513",
            "https://user@pubmed.ncbi.nlm.nih.gov/1/",
            "https://pubmed/1/",
            "https://pubmed.ncbi.nlm.nih.gov /1/",
            "https:///1/",
        ] {
            assert!(
                matches!(check_citable(url), Err(SourceError::Malformed { .. })),
                "{url}"
            );
        }
    }
}
