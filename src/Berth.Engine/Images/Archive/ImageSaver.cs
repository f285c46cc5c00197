using Berth.Layers.Archive;
using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using Berth.Content;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Core.References;

namespace Berth.Engine.Images.Archive;

/// <summary>
/// docker save: writes a docker-archive in docker 20.10's layout, which every docker load (old
/// and new), podman and skopeo read:
/// <code>
///   &lt;config hex&gt;.json              the config blob, byte for byte (so the ID survives load)
///   &lt;layer id&gt;/VERSION, json, layer.tar   one directory per layer; layer.tar hashes to the diff ID
///   manifest.json                    [{Config, RepoTags, Layers}]
///   repositories                     {"name": {"tag": "&lt;top layer id&gt;"}} for pre-1.10 loaders
/// </code>
/// Entries are sorted and carry fixed times and owners, so saving the same images twice gives
/// the same bytes. The archive streams straight to the destination (the HTTP response).
/// </summary>
internal sealed class ImageSaver(ImageService service, IContentStore content, ImageStore store, string tempRoot)
{
    private static readonly DateTimeOffset FixedTime = DateTimeOffset.UnixEpoch;

    public async Task SaveAsync(IReadOnlyList<string> names, Stream destination, CancellationToken cancellationToken)
    {
        // Resolve everything before the first byte is written: errors must still be HTTP errors.
        var selected = Select(names);
        var entries = new SortedDictionary<string, Func<CancellationToken, Task<Stream>>?>(StringComparer.Ordinal);
        var manifest = new List<DockerArchiveManifestEntry>();
        var repositories = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);

        foreach (var (id, tags) in selected)
        {
            var record = store.Get(id) ?? throw ImageService.NoSuchImage(id.ToString());
            var configBytes = await content.ReadAllAsync(id, cancellationToken);
            entries[id.Hex + ".json"] = Bytes(configBytes);

            var layerPaths = new List<string>();
            string? parentId = null;
            foreach (var layer in record.Layers)
            {
                // Legacy v1 layer IDs: deterministic from the chain, so shared layers are written once.
                var layerId = Digest.Compute(Encoding.ASCII.GetBytes($"{parentId} {layer.ChainId}")).Hex;
                var blob = store.GetLayerBlob(layer.DiffId)
                    ?? (content.Exists(layer.DiffId) ? new LayerBlob(layer.DiffId, layer.DiffId, Compression.None) : null)
                    ?? throw new SystemFailureException($"layer {layer.DiffId} of image {id} has no stored tar; pull the image again to save it");
                entries[layerId + "/"] = null;
                entries[layerId + "/VERSION"] = Bytes("1.0"u8.ToArray());
                entries[layerId + "/json"] = Bytes(JsonSerializer.SerializeToUtf8Bytes(
                    new LegacyLayerJson { Id = layerId, Parent = parentId, Created = DateTimeOffset.MinValue }, ImageJsonContext.Default.LegacyLayerJson));
                entries[layerId + "/layer.tar"] = ct => OpenLayerAsync(blob, ct);
                layerPaths.Add(layerId + "/layer.tar");
                parentId = layerId;
            }

            var repoTags = tags.Select(t => t.ToFamiliarString()).ToList();
            manifest.Add(new DockerArchiveManifestEntry { Config = id.Hex + ".json", RepoTags = repoTags.Count == 0 ? null : repoTags, Layers = layerPaths });
            if (parentId is not null)
                foreach (var tag in tags)
                {
                    if (!repositories.TryGetValue(tag.FamiliarName, out var byTag)) repositories[tag.FamiliarName] = byTag = new(StringComparer.Ordinal);
                    byTag[tag.Tag!] = parentId;
                }
        }

        entries["manifest.json"] = Bytes(JsonSerializer.SerializeToUtf8Bytes(manifest, ImageJsonContext.Default.ListDockerArchiveManifestEntry));
        if (repositories.Count > 0)
            entries["repositories"] = Bytes(JsonSerializer.SerializeToUtf8Bytes(repositories, ImageJsonContext.Default.DictionaryStringDictionaryStringString));

        await using var writer = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var (name, open) in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (open is null)
            {
                await writer.WriteEntryAsync(Entry(TarEntryType.Directory, name, 0), cancellationToken);
                continue;
            }
            await using var data = await open(cancellationToken);
            var entry = Entry(TarEntryType.RegularFile, name, data.Length);
            entry.DataStream = data;
            await writer.WriteEntryAsync(entry, cancellationToken);
        }
    }

    /// <summary>
    /// docker's name rules for save: an ID (full or prefix) adds the image untagged; a bare
    /// repository adds every tag of it; repo:tag adds that tag. Images keep first-seen order.
    /// </summary>
    private List<(Digest Id, List<ImageReference> Tags)> Select(IReadOnlyList<string> names)
    {
        if (names.Count == 0) throw new InvalidParameterException("no images specified");
        var result = new List<(Digest Id, List<ImageReference> Tags)>();
        void Add(Digest id, ImageReference? tag)
        {
            var index = result.FindIndex(r => r.Id == id);
            if (index < 0) { result.Add((id, [])); index = result.Count - 1; }
            if (tag is { Digest: null } && !result[index].Tags.Contains(tag)) result[index].Tags.Add(tag);
        }

        foreach (var name in names)
        {
            if ((name.Length == 64 && Digest.IsLowerHex(name)) || Digest.TryParse(name, out _))
            {
                Add(service.Resolve(name).Id, null);
                continue;
            }
            var reference = ImageReference.Parse(name);
            if (reference.FamiliarName == Digest.Sha256Algorithm)
            {
                Add(service.Resolve(name).Id, null);
                continue;
            }
            if (reference.Tag is null && reference.Digest is null)
            {
                var associations = store.AllReferences()
                    .Select(r => (Reference: ImageReference.Parse(r.Reference), r.Id))
                    .Where(r => r.Reference.Name == reference.Name)
                    .ToList();
                foreach (var (tagged, id) in associations) Add(id, tagged);
                if (associations.Count == 0)
                    Add((service.TryResolve(name) ?? throw new NotFoundException($"No such image: {name}")).Id, null);
                continue;
            }
            var target = store.LookupReference(reference.ToString()) ?? throw new NotFoundException("reference does not exist");
            Add(target, reference);
        }
        return result;
    }

    private async Task<Stream> OpenLayerAsync(LayerBlob blob, CancellationToken cancellationToken)
    {
        if (blob.Compression == Compression.None) return content.OpenRead(blob.Blob);

        // A tar header needs the size up front: expand compressed blobs into a temp file first.
        Directory.CreateDirectory(tempRoot);
        var path = Path.Combine(tempRoot, "save-" + Guid.NewGuid().ToString("N"));
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        try
        {
            await using (var compressed = Compression.Decompress(blob.Compression, content.OpenRead(blob.Blob)))
                await compressed.CopyToAsync(file, 1 << 20, cancellationToken);
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private static Func<CancellationToken, Task<Stream>> Bytes(byte[] data) => _ => Task.FromResult<Stream>(new MemoryStream(data, writable: false));

    private static TarEntry Entry(TarEntryType type, string name, long size)
    {
        // ustar when it fits (what Go's archive/tar writes too); pax only for > 8 GiB files.
        TarEntry entry = size < 8L * 1024 * 1024 * 1024 - 1
            ? new UstarTarEntry(type, name)
            : new PaxTarEntry(type, name);
        entry.ModificationTime = FixedTime;
        entry.Mode = type == TarEntryType.Directory
            ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        entry.Uid = 0;
        entry.Gid = 0;
        return entry;
    }
}
