using System.Text.Json;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Core.Oci;
using Berth.Core.References;
using Berth.Engine.Distribution.Manifests;
using Berth.Engine.Distribution.Progress;
using Berth.Engine.Distribution.Transport;
using Berth.Engine.Images;

namespace Berth.Engine.Distribution.Push;

/// <summary>
/// One push, after dockerd's v2 pusher: for each layer, skip it when the registry has it, mount it
/// when another repository of the same registry has it, else upload it (POST, streamed PATCH, PUT);
/// then the config; then the manifest: the one the image was pulled with when its blobs are all
/// here (so its digest stays the same), else a new Docker schema 2 manifest.
/// </summary>
internal sealed class ImagePusher(DistributionService service)
{
    public async Task PushAsync(PushRequest request, IProgressSink sink, CancellationToken cancellationToken)
    {
        var repositoryName = ImageReference.Parse(request.Name);
        if (repositoryName.Tag is not null || repositoryName.Digest is not null)
        {
            // The docker CLI sends the tag separately; accept NAME:TAG as well.
            request = request with { Tag = request.Tag is { Length: > 0 } ? request.Tag : repositoryName.Tag };
            repositoryName = repositoryName with { Tag = null, Digest = null };
        }
        var tags = Tags(repositoryName, request.Tag);

        await sink.ReportAsync(ProgressUpdate.Summary($"The push refers to repository [{repositoryName.Name}]"), cancellationToken);
        if (tags.Count == 0)
            throw new NotFoundException(request.Tag is { Length: > 0 } tag
                ? $"tag does not exist: {repositoryName.WithTag(tag).ToFamiliarString()}"
                : $"An image does not exist locally with the tag: {repositoryName.FamiliarName}");

        var session = await RegistrySession.OpenAsync(service.Transport, service.Tokens, repositoryName.Domain, request.Credentials, pull: false, cancellationToken);
        var repository = new RegistryRepository(session, repositoryName.Path, push: true);
        foreach (var (tag, imageId) in tags)
            await PushTagAsync(repository, repositoryName, tag, imageId, sink, cancellationToken);
    }

    /// <summary>The tags to push and their images: the one asked for, or every tag of the repository.</summary>
    private List<(string Tag, Digest Image)> Tags(ImageReference repository, string? tag)
    {
        var result = new List<(string, Digest)>();
        if (tag is { Length: > 0 })
        {
            var reference = repository.WithTag(tag);
            if (service.Images.LookupReference(reference) is { } id) result.Add((tag, id));
            return result;
        }
        foreach (var image in service.Images.List())
            foreach (var name in image.RepoTags)
                if (ImageReference.Parse(name) is { Tag: { } t } parsed && parsed.Name == repository.Name) result.Add((t, image.Id));
        result.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return result;
    }

    private async Task PushTagAsync(RegistryRepository repository, ImageReference name, string tag, Digest imageId, IProgressSink sink, CancellationToken cancellationToken)
    {
        var record = service.Images.GetRecord(imageId) ?? throw new NotFoundException($"tag does not exist: {name.WithTag(tag).ToFamiliarString()}");
        var stored = await StoredManifestForAsync(imageId, name.Name, record.Layers.Count, cancellationToken);

        await using var pump = new ProgressPump(sink, cancellationToken);
        foreach (var layer in record.Layers) pump.Post(ProgressUpdate.Layer(ProgressIds.Of(layer.DiffId), "Preparing"));

        var compressor = new LayerCompressor(service.Content, service.Images, service.Store);
        using var slots = new SemaphoreSlim(service.MaxConcurrentUploads);
        var uploads = record.Layers.Select((layer, i) => PushLayerAsync(repository, name, layer.DiffId, stored?.Layers[i], compressor, slots, pump, cancellationToken)).ToList();
        var blobs = await Task.WhenAll(uploads);
        await pump.FlushAsync();

        var config = await service.Content.ReadAllAsync(imageId, cancellationToken);
        // The config is a few KB: one monolithic PUT saves a round trip (dockerd sends it so too).
        if (!await repository.HasBlobAsync(imageId, cancellationToken))
            await repository.UploadAsync(imageId, config.Length, () => new MemoryStream(config), (_, _) => { }, cancellationToken);
        service.Store.RecordSource(imageId, name.Name);

        var (mediaType, manifest) = stored is not null
            ? (stored.MediaType, stored.Bytes)
            : (MediaTypes.DockerManifest, Schema2Manifest(imageId, config.Length, blobs));
        await repository.PutManifestAsync(tag, mediaType, manifest, cancellationToken);
        var digest = Digest.Compute(manifest);
        // Remembered only while the image is stored (an rmi during the push has cleaned up after it).
        await service.Images.RunLockedAsync(async ct =>
        {
            if (service.Images.GetRecord(imageId) is null) return;
            await service.Content.WriteAsync(manifest, digest, ct);
            service.Store.RecordManifest(new ImageManifestRecord(imageId, name.Name, digest, mediaType));
        }, cancellationToken);

        await sink.ReportAsync(ProgressUpdate.Summary($"{tag}: digest: {digest} size: {manifest.Length}"), cancellationToken);
        await sink.ReportAsync(new ProgressUpdate("") { Pushed = new PushedManifest(tag, digest, manifest.Length), HasDetail = true }, cancellationToken);
    }

    private async Task<PushBlob> PushLayerAsync(RegistryRepository repository, ImageReference name, Digest diffId, PushBlob? known,
        LayerCompressor compressor, SemaphoreSlim slots, ProgressPump pump, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var id = ProgressIds.Of(diffId);
        if (!await slots.WaitAsync(0, cancellationToken))
        {
            pump.Post(ProgressUpdate.Layer(id, "Waiting"));
            await slots.WaitAsync(cancellationToken);
        }
        try
        {
            var blob = known ?? await compressor.BlobForAsync(diffId, cancellationToken);
            if (await repository.HasBlobAsync(blob.Digest, cancellationToken))
            {
                pump.Post(ProgressUpdate.Layer(id, "Layer already exists"));
            }
            else if (await TryMountAsync(repository, name, blob.Digest, cancellationToken) is { } source)
            {
                pump.Post(ProgressUpdate.Layer(id, "Mounted from " + source));
            }
            else
            {
                await repository.UploadChunkedAsync(blob.Digest, blob.Size, () => service.Content.OpenRead(blob.Digest),
                    (current, end) => pump.PostCount(id, "Pushing", current, blob.Size, final: end), service.UploadChunkSize, cancellationToken);
                pump.Post(ProgressUpdate.Layer(id, "Pushed"));
            }
            service.Store.RecordSource(blob.Digest, name.Name);
            return blob;
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Mounts from another repository of the same registry known to hold the blob; returns its path, or null.</summary>
    private async Task<string?> TryMountAsync(RegistryRepository repository, ImageReference name, Digest blob, CancellationToken cancellationToken)
    {
        foreach (var source in service.Store.Sources(blob))
        {
            if (!ImageReference.TryParse(source, out var parsed) || parsed!.Domain != name.Domain || parsed.Path == name.Path) continue;
            try
            {
                if (await repository.TryMountAsync(blob, parsed.Path, cancellationToken)) return parsed.Path;
            }
            catch (RegistryException)
            {
                // No pull access to the source, say: upload instead.
            }
        }
        return null;
    }

    private sealed record ReusableManifest(string MediaType, byte[] Bytes, IReadOnlyList<PushBlob> Layers);

    /// <summary>The manifest the image was pulled with, when every layer blob it lists is in the content store.</summary>
    private async Task<ReusableManifest?> StoredManifestForAsync(Digest imageId, string repository, int layerCount, CancellationToken cancellationToken)
    {
        if (service.Store.FindManifest(imageId, repository) is not { } stored || !service.Content.Exists(stored.Manifest)) return null;
        var bytes = await service.Content.ReadAllAsync(stored.Manifest, cancellationToken);
        var manifest = JsonSerializer.Deserialize(bytes, OciJsonContext.Default.OciManifest);
        if (manifest is null || manifest.Layers.Count != layerCount) return null;
        var layers = new List<PushBlob>();
        foreach (var layer in manifest.Layers)
        {
            if (!Digest.TryParse(layer.Digest, out var digest) || service.Content.Info(digest) is not { } info) return null;
            var compression = layer.MediaType?.EndsWith("zstd", StringComparison.Ordinal) == true ? Berth.Layers.Archive.Compression.Zstd
                : layer.MediaType?.EndsWith("gzip", StringComparison.Ordinal) == true ? Berth.Layers.Archive.Compression.Gzip
                : Berth.Layers.Archive.Compression.None;
            layers.Add(new PushBlob(digest, info.Size, compression));
        }
        return new ReusableManifest(stored.MediaType, bytes, layers);
    }

    /// <summary>A Docker schema 2 manifest, indented with three spaces as dockerd writes it.</summary>
    internal static byte[] Schema2Manifest(Digest config, long configSize, IReadOnlyList<PushBlob> layers)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentSize = 3 }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("schemaVersion", 2);
            writer.WriteString("mediaType", MediaTypes.DockerManifest);
            writer.WriteStartObject("config");
            writer.WriteString("mediaType", MediaTypes.DockerConfig);
            writer.WriteNumber("size", configSize);
            writer.WriteString("digest", config.ToString());
            writer.WriteEndObject();
            writer.WriteStartArray("layers");
            foreach (var layer in layers)
            {
                writer.WriteStartObject();
                writer.WriteString("mediaType", LayerMediaTypes.For(MediaTypes.DockerManifest, layer.Compression));
                writer.WriteNumber("size", layer.Size);
                writer.WriteString("digest", layer.Digest.ToString());
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
