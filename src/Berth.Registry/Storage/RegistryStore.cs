using Berth.Core.Digests;
using Berth.Registry.Api;

namespace Berth.Registry.Storage;

/// <summary>
/// Blobs, repositories and manifests over an <see cref="IStorageDriver"/> (layout in
/// <see cref="StoragePaths"/>). A blob or manifest enters content/ only after its bytes were
/// hashed and matched its digest, and only then is it linked into a repository; deleting from a
/// repository removes links, and <see cref="GarbageCollector"/> removes unreferenced content.
/// </summary>
public sealed partial class RegistryStore
{
    public RegistryStore(string root) : this(new FilesystemDriver(root))
    {
    }

    public RegistryStore(IStorageDriver driver)
    {
        Driver = driver;
        Uploads = new UploadStore(driver);
    }

    public IStorageDriver Driver { get; }
    public UploadStore Uploads { get; }

    /// <summary>The committed blob's size if <paramref name="name"/> may see it.</summary>
    public async Task<long?> BlobSizeAsync(string name, Digest digest, CancellationToken cancellationToken)
    {
        if (await Driver.StatAsync(StoragePaths.BlobLink(name, digest), cancellationToken) is null) return null;
        return (await Driver.StatAsync(StoragePaths.Blob(digest), cancellationToken))?.Size;
    }

    public Task<Stream?> OpenBlobAsync(Digest digest, long offset, CancellationToken cancellationToken) =>
        Driver.OpenReadAsync(StoragePaths.Blob(digest), offset, cancellationToken);

    public Task LinkBlobAsync(string name, Digest digest, CancellationToken cancellationToken) =>
        Driver.PutContentAsync(StoragePaths.BlobLink(name, digest), ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>Removes the repository's link only (the content stays for other repositories and GC); false if not linked.</summary>
    public async Task<bool> UnlinkBlobAsync(string name, Digest digest, CancellationToken cancellationToken)
    {
        var link = StoragePaths.BlobLink(name, digest);
        if (await Driver.StatAsync(link, cancellationToken) is null) return false;
        await Driver.DeleteAsync(link, cancellationToken);
        return true;
    }

    /// <summary>A monolithic upload: the body goes through a private upload so the same verification applies.</summary>
    public async Task<Digest> PutBlobAsync(string name, Stream body, Digest expected, CancellationToken cancellationToken)
    {
        var id = await Uploads.StartAsync(name, cancellationToken);
        try
        {
            await Uploads.AppendAsync(name, id, body, null, null, cancellationToken);
            return await CommitUploadAsync(name, id, expected, cancellationToken);
        }
        finally
        {
            await Uploads.DeleteAsync(id, CancellationToken.None);
        }
    }

    /// <summary>
    /// Hashes the upload, and only if it matches <paramref name="expected"/> moves it into content/
    /// and links it. The upload is gone afterwards either way: a failed commit leaves nothing.
    /// Two uploads of one blob both rename identical bytes onto the same name, which is harmless.
    /// </summary>
    public async Task<Digest> CommitUploadAsync(string name, string id, Digest expected, CancellationToken cancellationToken)
    {
        var data = await Uploads.DataPathAsync(name, id, cancellationToken);
        try
        {
            var length = (await Driver.StatAsync(data, cancellationToken))?.Size ?? throw RegistryError.UploadUnknown(id);
            var running = Uploads.Hashes.Take(id, length);
            Digest actual;
            if (running is { } digest && expected.Algorithm == Digest.Sha256Algorithm)
            {
                actual = digest;
            }
            else
            {
                await using var stream = await Driver.OpenReadAsync(data, 0, cancellationToken) ?? throw RegistryError.UploadUnknown(id);
                actual = await RegistryDigests.ComputeAsync(expected.Algorithm, stream, cancellationToken);
            }
            if (actual != expected) throw RegistryError.DigestInvalid($"upload digest is {actual}, not {expected}");
            var blob = StoragePaths.Blob(actual);
            if (await Driver.StatAsync(blob, cancellationToken) is null) await Driver.MoveAsync(data, blob, cancellationToken);
            await LinkBlobAsync(name, actual, cancellationToken);
            return actual;
        }
        finally
        {
            await Uploads.DeleteAsync(id, CancellationToken.None);
        }
    }

    public async Task<bool> RepositoryExistsAsync(string name, CancellationToken cancellationToken) =>
        await Driver.StatAsync(StoragePaths.Repository(name), cancellationToken) is { IsDirectory: true };

    /// <summary>Every repository (a directory holding _blobs or _manifests), sorted.</summary>
    public async Task<List<string>> RepositoriesAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await WalkAsync(StoragePaths.Repositories, "");
        names.Sort(StringComparer.Ordinal);
        return names;

        async Task WalkAsync(string dir, string prefix)
        {
            foreach (var component in await Driver.ListAsync(dir, cancellationToken))
            {
                // Name components cannot start with '_', so _blobs and _manifests never look like repositories.
                if (component.StartsWith('_') || !RepositoryName.IsValid(component)) continue;
                var child = dir + "/" + component;
                var name = prefix.Length == 0 ? component : prefix + "/" + component;
                var entries = await Driver.ListAsync(child, cancellationToken);
                if (entries.Contains("_blobs") || entries.Contains("_manifests")) names.Add(name);
                await WalkAsync(child, name);
            }
        }
    }
}
