using Berth.Layers.Archive;
using System.Text.Json;
using Berth.Content;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Core.Oci;
using Berth.Core.References;
using Berth.Engine.Gc;
using Berth.Layers;

namespace Berth.Engine.Images.Archive;

/// <summary>
/// docker load: a docker-archive (manifest.json, any docker version's layout) or an OCI image
/// layout (oci-layout + index.json + blobs/), plain or compressed, layers plain/gzip/zstd.
/// The archive is spooled (see <see cref="ArchiveSpool"/>), every layer is verified against its
/// config's diff ID while it is stored, and only when every image is complete are the images and
/// their names published, in one transaction: a bad archive leaves no image behind. Every blob and
/// layer is held by the load's <paramref name="lease"/> before it is written, until then.
/// </summary>
internal sealed class ImageLoader(ImageService service, IContentStore content, ILayerStore layers, ImageStore store, string tempRoot, Lease lease)
{
    private sealed record Candidate(ImageRecord Record, IReadOnlyList<ImageReference> Tags);

    public async Task<IReadOnlyList<string>> LoadAsync(Stream archive, CancellationToken cancellationToken)
    {
        var (_, tar) = await Compression.OpenDecompressedAsync(archive, cancellationToken, leaveOpen: true);
        await using (tar)
        await using (var spool = await ArchiveSpool.ReadAsync(tar, Path.Combine(tempRoot, "load-" + Guid.NewGuid().ToString("N")), cancellationToken))
        {
            List<Candidate> candidates;
            if (spool.Contains("manifest.json")) candidates = await LoadDockerArchiveAsync(spool, cancellationToken);
            else if (spool.Contains("index.json")) candidates = await LoadOciLayoutAsync(spool, cancellationToken);
            else throw new InvalidParameterException("invalid archive: neither manifest.json nor index.json found");

            var names = candidates.SelectMany(c => c.Tags.Select(t => (t, c.Record.Id))).ToList();
            var previous = service.Publish(
                candidates.Select(c => (c.Record, (IReadOnlyList<LayerBlob>)c.Record.Layers
                    .Where(l => content.Exists(l.DiffId))
                    .Select(l => new LayerBlob(l.DiffId, l.DiffId, Compression.None)).ToList())).ToList(),
                names);

            var lines = new List<string>();
            var n = 0;
            foreach (var candidate in candidates)
            {
                if (candidate.Tags.Count == 0) lines.Add($"Loaded image ID: {candidate.Record.Id}");
                foreach (var tag in candidate.Tags)
                {
                    if (previous[n++] is { } old)
                        lines.Add($"The image {tag.ToFamiliarString()} already exists, renaming the old one with ID {old} to empty string");
                    lines.Add($"Loaded image: {tag.ToFamiliarString()}");
                }
            }
            return lines;
        }
    }

    private async Task<List<Candidate>> LoadDockerArchiveAsync(ArchiveSpool spool, CancellationToken cancellationToken)
    {
        var manifest = Parse(await spool.ReadSmallAsync("manifest.json", cancellationToken), ImageJsonContext.Default.ListDockerArchiveManifestEntry, "manifest.json",
            m => m.All(e => e is { Config.Length: > 0, Layers: not null } && e.Layers.All(l => l is not null) && (e.RepoTags ?? []).All(t => t is not null)),
            "every entry needs a Config and a list of Layers");
        var result = new List<Candidate>();
        foreach (var entry in manifest)
        {
            var tags = new List<ImageReference>();
            foreach (var repoTag in entry.RepoTags ?? [])
            {
                var reference = ImageReference.Parse(repoTag);
                if (reference.Tag is null || reference.Digest is not null)
                    throw new InvalidParameterException($"invalid tag \"{repoTag}\"");
                tags.Add(reference);
            }
            var configBytes = await spool.ReadSmallAsync(entry.Config, cancellationToken);
            var record = await AddImageAsync(spool, configBytes, entry.Layers, cancellationToken);
            result.Add(new Candidate(record, tags));
        }
        return result;
    }

    private async Task<List<Candidate>> LoadOciLayoutAsync(ArchiveSpool spool, CancellationToken cancellationToken)
    {
        if (spool.Contains("oci-layout"))
        {
            var layout = Parse(await spool.ReadSmallAsync("oci-layout", cancellationToken), ImageJsonContext.Default.OciLayoutFile, "oci-layout",
                l => l.ImageLayoutVersion is not null, "imageLayoutVersion is missing");
            if (!layout.ImageLayoutVersion.StartsWith("1.", StringComparison.Ordinal))
                throw new InvalidParameterException($"unsupported OCI image layout version {layout.ImageLayoutVersion}");
        }
        var index = Parse(await spool.ReadSmallAsync("index.json", cancellationToken), ImageJsonContext.Default.OciIndex, "index.json", CompleteIndex, IndexRequirement);
        // Every blob of every image is checked against its descriptor before anything is stored.
        var verifier = new ArchiveBlobVerifier();
        var images = new List<(OciDescriptor Descriptor, OciManifest Manifest, byte[] Config)>();
        foreach (var descriptor in index.Manifests)
        {
            var manifest = await ReadManifestAsync(spool, descriptor, depth: 0, cancellationToken);
            var configBytes = await ReadBlobAsync(spool, manifest.Config, cancellationToken);
            foreach (var layer in manifest.Layers)
                await verifier.VerifyFileAsync(spool.GetPath(BlobPath(layer.Digest)), layer, cancellationToken);
            images.Add((descriptor, manifest, configBytes));
        }
        var result = new List<Candidate>();
        foreach (var (descriptor, manifest, configBytes) in images)
        {
            var layerPaths = manifest.Layers.Select(l => BlobPath(l.Digest)).ToList();
            var record = await AddImageAsync(spool, configBytes, layerPaths, cancellationToken);
            var tags = ImageName(descriptor) is { } name ? new List<ImageReference> { name } : [];
            // The same image can be listed once per name; publish it once with all of them.
            if (result.FindIndex(c => c.Record.Id == record.Id) is var i and >= 0)
                result[i] = result[i] with { Tags = [.. result[i].Tags, .. tags] };
            else
                result.Add(new Candidate(record, tags));
        }
        return result;
    }

    /// <summary>
    /// The name an index entry gives its image: containerd's (and docker 25+'s) full-name annotation,
    /// else org.opencontainers.image.ref.name when it is a full reference rather than a bare tag.
    /// </summary>
    private static ImageReference? ImageName(OciDescriptor descriptor)
    {
        var annotations = descriptor.Annotations;
        if (annotations is null) return null;
        if (annotations.TryGetValue(MediaTypes.ContainerdImageName, out var full) && ImageReference.TryParse(full, out var named) && named!.Digest is null)
            return named.WithDefaultTag();
        if (annotations.TryGetValue(MediaTypes.OciRefName, out var refName) && refName.IndexOfAny([':', '/']) > 0
            && ImageReference.TryParse(refName, out var reference) && reference!.Digest is null)
            return reference.WithDefaultTag();
        return null;
    }

    private async Task<OciManifest> ReadManifestAsync(ArchiveSpool spool, OciDescriptor descriptor, int depth, CancellationToken cancellationToken)
    {
        var bytes = await ReadBlobAsync(spool, descriptor, cancellationToken);
        var isIndex = descriptor.MediaType is MediaTypes.OciIndex or MediaTypes.DockerManifestList;
        if (!isIndex && descriptor.MediaType is null)
        {
            using var document = JsonDocument.Parse(bytes);
            isIndex = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("manifests", out _);
        }
        if (!isIndex)
            return Parse(bytes, ImageJsonContext.Default.OciManifest, descriptor.Digest,
                m => m.Config?.Digest is not null && m.Layers is not null && m.Layers.All(l => l?.Digest is not null), "a manifest needs a config and layers, each with a digest");
        if (depth > 2) throw new InvalidParameterException("invalid archive: image indexes nested too deeply");

        // A multi-platform image: load the host's platform, as docker does.
        var index = Parse(bytes, ImageJsonContext.Default.OciIndex, descriptor.Digest, CompleteIndex, IndexRequirement);
        var (architecture, variant) = ImagePlatform.HostArchitecture();
        var chosen = index.Manifests.FirstOrDefault(m => m.Platform is { Os: "linux" } p && p.Architecture == architecture && (variant is null || p.Variant is null || p.Variant == variant))
            ?? throw new NotFoundException($"no matching manifest for linux/{architecture} in the manifest list entries");
        return await ReadManifestAsync(spool, chosen, depth + 1, cancellationToken);
    }

    private static async Task<byte[]> ReadBlobAsync(ArchiveSpool spool, OciDescriptor descriptor, CancellationToken cancellationToken)
    {
        var bytes = await spool.ReadSmallAsync(BlobPath(descriptor.Digest), cancellationToken);
        ArchiveBlobVerifier.Verify(bytes, descriptor);
        return bytes;
    }

    private static string BlobPath(string digest)
    {
        if (!Digest.TryParse(digest, out var parsed))
            throw new InvalidParameterException($"invalid archive: unsupported digest \"{digest}\"");
        return $"blobs/{parsed.Algorithm}/{parsed.Hex}";
    }

    /// <summary>
    /// Stores one image's layers (verified against the config's diff IDs, existing ones skipped)
    /// and its config; returns the unpublished record.
    /// </summary>
    private async Task<ImageRecord> AddImageAsync(ArchiveSpool spool, byte[] configBytes, IReadOnlyList<string> layerPaths, CancellationToken cancellationToken)
    {
        ImageConfigFile config;
        try
        {
            config = ImageConfigFile.Parse(configBytes);
        }
        catch (JsonException e)
        {
            throw new InvalidParameterException($"invalid image config: {JsonErrorText.Describe(e)}", e);
        }
        var diffIds = config.RootFs.DiffIds;
        if (diffIds.Count != layerPaths.Count)
            throw new InvalidParameterException($"invalid manifest, layers length mismatch: expected {diffIds.Count}, got {layerPaths.Count}");

        var stack = new List<Layer>();
        Layer? parent = null;
        for (var i = 0; i < diffIds.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var diffId = Digest.Parse(diffIds[i]);
            parent = await EnsureLayerAsync(spool, parent, diffId, i, layerPaths[i], cancellationToken);
            stack.Add(parent);
        }
        return await service.PrepareAsync(configBytes, config, stack, lease, cancellationToken);
    }

    private async Task<Layer> EnsureLayerAsync(ArchiveSpool spool, Layer? parent, Digest diffId, int index, string path, CancellationToken cancellationToken)
    {
        var chainId = ChainIds.Compute(parent?.ChainId, diffId);
        await lease.HoldAsync([diffId], [chainId], cancellationToken);
        var haveTar = content.Exists(diffId);
        // Present already (possibly as a compressed blob from a pull): nothing to read from the archive.
        if ((haveTar || store.GetLayerBlob(diffId) is not null) && layers.Get(chainId) is { } existing) return existing;
        if (haveTar) return await service.ApplyBlobAsync(parent, diffId, blobExistedBefore: true, lease, cancellationToken);

        var file = spool.GetPath(path);
        try
        {
            string kind;
            await using (var head = File.OpenRead(file))
                (kind, _) = await Compression.DetectAsync(head, cancellationToken);
            if (kind == Compression.None)
            {
                // Same filesystem: the spooled tar is renamed into the content store, not copied.
                await content.CommitFileAsync(file, diffId, cancellationToken);
            }
            else
            {
                await using var compressed = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
                await using var tar = Compression.Decompress(kind, compressed);
                await content.WriteAsync(tar, diffId, cancellationToken);
            }
        }
        catch (InvalidParameterException e) when (e.Data[ContentStore.ActualDigestKey] is string actual)
        {
            throw new InvalidParameterException($"invalid diffID for layer {index}: expected \"{diffId}\", got \"{actual}\"", e);
        }
        return await service.ApplyBlobAsync(parent, diffId, blobExistedBefore: false, lease, cancellationToken);
    }

    private static bool CompleteIndex(OciIndex index) => index.Manifests is not null && index.Manifests.All(d => d?.Digest is not null);

    private const string IndexRequirement = "every manifest needs a digest";

    /// <summary>
    /// Parses an archive's JSON document; <paramref name="complete"/> refuses the explicit nulls
    /// (where Go would read a zero value) that would otherwise reach the loader as null members.
    /// </summary>
    private static T Parse<T>(byte[] json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what, Func<T, bool> complete, string requirement)
    {
        T value;
        try
        {
            value = JsonSerializer.Deserialize(json, type) ?? throw new InvalidParameterException($"invalid archive: {what} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidParameterException($"invalid archive: {what}: {JsonErrorText.Describe(e)}", e);
        }
        return complete(value) ? value : throw new InvalidParameterException($"invalid archive: {what}: {requirement}");
    }
}
