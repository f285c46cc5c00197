using Berth.Core.Digests;

namespace Berth.Registry.Storage;

/// <summary>
/// The storage layout (driver paths), in one place:
/// <code>
///   content/blobs/&lt;sha256|sha512&gt;/&lt;hex&gt;                           every blob and manifest, verified
///   uploads/&lt;uuid&gt;/{repository,data}                             uploads in progress
///   repositories/&lt;name&gt;/_blobs/&lt;hex&gt;                             blobs visible in that repository
///   repositories/&lt;name&gt;/_manifests/revisions/&lt;hex&gt;               manifests; the link holds the media type
///   repositories/&lt;name&gt;/_manifests/tags/&lt;tag&gt;                    the tagged manifest's digest
///   repositories/&lt;name&gt;/_manifests/referrers/&lt;subject&gt;/&lt;hex&gt;   manifests whose subject is &lt;subject&gt;
/// </code>
/// Only validated names, tags, digests and upload GUIDs are ever put into a path. Links and
/// revisions are named by hex alone: its length (64 or 128) tells sha256 from sha512.
/// </summary>
public static class StoragePaths
{
    public const string Blobs = "content/blobs";

    public static string BlobDirectory(string algorithm) => $"{Blobs}/{algorithm}";
    public const string Uploads = "uploads";
    public const string Repositories = "repositories";

    public static string Blob(Digest digest) => $"{BlobDirectory(digest.Algorithm)}/{Checked(digest)}";
    public static string Upload(string id) => $"{Uploads}/{id}";
    public static string Repository(string name) => $"{Repositories}/{name}";
    public static string BlobLink(string name, Digest digest) => $"{Repository(name)}/_blobs/{Checked(digest)}";
    public static string Revisions(string name) => $"{Repository(name)}/_manifests/revisions";
    public static string Revision(string name, Digest digest) => $"{Revisions(name)}/{Checked(digest)}";
    public static string Tags(string name) => $"{Repository(name)}/_manifests/tags";
    public static string Tag(string name, string tag) => $"{Tags(name)}/{tag}";
    public static string Referrers(string name, Digest subject) => $"{Repository(name)}/_manifests/referrers/{Checked(subject)}";
    public static string Referrer(string name, Digest subject, Digest referrer) => $"{Referrers(name, subject)}/{Checked(referrer)}";

    // Digest's constructor does not validate; never let a crafted hex walk anywhere.
    private static string Checked(Digest digest) =>
        RegistryDigests.IsValid(digest) ? digest.Hex : throw new ArgumentException($"unsupported digest \"{digest}\"");
}
