using Berth.Content;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Registry.Api;

namespace Berth.Registry.Storage;

/// <summary>
/// Registry storage under DIR:
/// <code>
///   content/blobs/sha256/&lt;hex&gt;                               every blob and manifest, verified (ContentStore)
///   uploads/&lt;uuid&gt;/                                          uploads in progress (UploadStore)
///   repositories/&lt;name&gt;/_blobs/&lt;hex&gt;                         links: blobs visible in that repository
///   repositories/&lt;name&gt;/_manifests/revisions/&lt;hex&gt;           links holding the manifest's media type
///   repositories/&lt;name&gt;/_manifests/tags/&lt;tag&gt;                the tagged manifest's digest
/// </code>
/// </summary>
public sealed class RegistryStore
{
    private readonly string _repositories;

    public RegistryStore(string root)
    {
        Root = Path.GetFullPath(root);
        Content = new ContentStore(Path.Combine(Root, "content"));
        Uploads = new UploadStore(Root);
        _repositories = Path.Combine(Root, "repositories");
        Directory.CreateDirectory(_repositories);
    }

    public string Root { get; }
    public ContentStore Content { get; }
    public UploadStore Uploads { get; }

    private string RepoDir(string name) => Path.Combine(_repositories, name);
    private string BlobLink(string name, Digest digest) => Path.Combine(RepoDir(name), "_blobs", digest.Hex);
    private string RevisionLink(string name, Digest digest) => Path.Combine(RepoDir(name), "_manifests", "revisions", digest.Hex);
    private string TagLink(string name, string tag) => Path.Combine(RepoDir(name), "_manifests", "tags", tag);

    public bool RepositoryExists(string name) => Directory.Exists(RepoDir(name));

    /// <summary>The committed blob's size if <paramref name="name"/> may see it.</summary>
    public long? BlobSize(string name, Digest digest) =>
        File.Exists(BlobLink(name, digest)) && Content.Info(digest) is { } info ? info.Size : null;

    public string BlobPath(Digest digest) => Content.BlobPath(digest);

    public void LinkBlob(string name, Digest digest) => WriteLink(BlobLink(name, digest), "");

    public async Task<Digest> PutBlobAsync(string name, Stream body, Digest expected, CancellationToken cancellationToken)
    {
        var info = await Verified(() => Content.WriteAsync(body, expected, cancellationToken));
        LinkBlob(name, info.Digest);
        return info.Digest;
    }

    /// <summary>Verifies the upload's bytes against <paramref name="expected"/>, commits and links them.</summary>
    public async Task<Digest> CompleteUploadAsync(string name, string id, Digest expected, CancellationToken cancellationToken)
    {
        var data = Uploads.DataPath(name, id);
        try
        {
            var info = await Verified(() => Content.CommitFileAsync(data, expected, cancellationToken));
            LinkBlob(name, info.Digest);
            return info.Digest;
        }
        finally
        {
            Uploads.Delete(id);
        }
    }

    public async Task PutManifestAsync(string name, Digest digest, byte[] bytes, string mediaType, string? tag, CancellationToken cancellationToken)
    {
        await Content.WriteAsync(bytes, digest, cancellationToken);
        WriteLink(RevisionLink(name, digest), mediaType);
        if (tag is not null) WriteLink(TagLink(name, tag), digest.ToString());
    }

    public bool ManifestExists(string name, Digest digest) => File.Exists(RevisionLink(name, digest)) && Content.Exists(digest);

    /// <summary>Resolves a tag or digest to the manifest's digest, media type and bytes; MANIFEST_UNKNOWN if absent.</summary>
    public async Task<(Digest Digest, string MediaType, byte[] Bytes)> GetManifestAsync(string name, string reference, CancellationToken cancellationToken)
    {
        Digest digest;
        if (reference.Contains(':'))
        {
            if (!Digest.TryParse(reference, out digest)) throw RegistryError.DigestInvalid($"invalid digest \"{reference}\"");
        }
        else
        {
            var tag = TagLink(name, reference);
            if (!RepositoryName.IsValidTag(reference) || !File.Exists(tag)) throw RegistryError.ManifestUnknown(reference);
            digest = Digest.Parse(File.ReadAllText(tag).Trim());
        }
        var link = RevisionLink(name, digest);
        if (!File.Exists(link) || !Content.Exists(digest)) throw RegistryError.ManifestUnknown(reference);
        return (digest, File.ReadAllText(link), await Content.ReadAllAsync(digest, cancellationToken));
    }

    public List<string> Tags(string name)
    {
        var dir = Path.Combine(RepoDir(name), "_manifests", "tags");
        if (!Directory.Exists(dir)) return [];
        var tags = Directory.EnumerateFiles(dir).Select(Path.GetFileName).OfType<string>()
            .Where(t => !t.StartsWith('.')).ToList();
        tags.Sort(StringComparer.Ordinal);
        return tags;
    }

    /// <summary>Every repository (a directory holding _blobs or _manifests), sorted.</summary>
    public List<string> Repositories()
    {
        var names = new List<string>();
        Walk(_repositories, "");
        names.Sort(StringComparer.Ordinal);
        return names;

        void Walk(string dir, string prefix)
        {
            foreach (var child in Directory.EnumerateDirectories(dir))
            {
                var component = Path.GetFileName(child);
                if (component.StartsWith('_')) continue;
                var name = prefix.Length == 0 ? component : prefix + "/" + component;
                if (Directory.Exists(Path.Combine(child, "_blobs")) || Directory.Exists(Path.Combine(child, "_manifests")))
                    names.Add(name);
                Walk(child, name);
            }
        }
    }

    private static async Task<ContentInfo> Verified(Func<Task<ContentInfo>> write)
    {
        try
        {
            return await write();
        }
        catch (InvalidParameterException e)
        {
            throw RegistryError.DigestInvalid(e.Message);
        }
    }

    /// <summary>Writes a small file atomically (temp + rename) so readers never see half of it.</summary>
    private static void WriteLink(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(Path.GetDirectoryName(path)!, "." + Guid.NewGuid().ToString("N") + ".tmp");
        File.WriteAllText(temp, content);
        File.Move(temp, path, overwrite: true);
    }
}
