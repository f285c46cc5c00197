using System.Text.Json;
using Berth.Core.Digests;
using Berth.Core.Distribution;
using Berth.Core.Errors;
using Berth.Core.Oci;
using Berth.Core.References;
using Berth.Engine.Distribution.Manifests;
using Berth.Engine.Distribution.Progress;
using Berth.Engine.Distribution.Transport;
using Berth.Engine.Gc;
using Berth.Engine.Images;
using Berth.Engine.Images.Archive;
using Berth.Layers;
using Berth.Layers.Archive;

namespace Berth.Engine.Distribution.Pull;

/// <summary>
/// One pull, after dockerd's v2 puller: resolve the reference, fetch the manifest (choosing the
/// platform from a list or index), the config, and the missing layers (a few at a time, each
/// verified against its digest while it streams into the content store), unpack them in order,
/// and only then publish the image and its names. Progress goes out in dockerd's words.
/// </summary>
internal sealed class ImagePuller(DistributionService service)
{
    public async Task PullAsync(PullRequest request, IProgressSink sink, CancellationToken cancellationToken)
    {
        var reference = Resolve(request.FromImage, request.Tag);
        var platform = request.Platform is { Length: > 0 } p ? ParsePlatform(p) : null;
        var session = await RegistrySession.OpenAsync(service.Transport, service.Tokens, reference.Domain, request.Credentials, pull: true, cancellationToken);
        var repository = new RegistryRepository(session, reference.Path, push: false);

        bool changed;
        if (reference.Tag is null && reference.Digest is null)
        {
            // dockerd's pullV2Repository: a bare name pulls every tag, one after the other, and
            // says once at the end whether any of them brought something new.
            var tags = await Translate(reference, () => repository.ListTagsAsync(cancellationToken));
            changed = false;
            foreach (var tag in tags)
                changed |= await PullTagAsync(repository, reference.WithTag(tag), platform, sink, cancellationToken);
        }
        else
        {
            changed = await PullTagAsync(repository, reference, platform, sink, cancellationToken);
        }
        var status = changed ? "Downloaded newer image" : "Image is up to date";
        await sink.ReportAsync(ProgressUpdate.Summary($"Status: {status} for {reference.ToFamiliarString()}"), cancellationToken);
    }

    /// <summary>One tag or digest (dockerd's pullV2Tag); true when its name now points at a different image.</summary>
    private async Task<bool> PullTagAsync(RegistryRepository repository, ImageReference reference, PlatformSpec? platform, IProgressSink sink, CancellationToken cancellationToken)
    {
        var tagOrDigest = reference.Digest?.ToString() ?? reference.Tag!;

        var top = await Translate(reference, () => repository.GetManifestAsync(tagOrDigest, cancellationToken));
        var manifestBytes = top;
        if (MediaTypes.IsIndex(KindOf(top)))
        {
            var index = Parse(top.Bytes, OciJsonContext.Default.OciIndex, "manifest list");
            var chosen = PlatformSelector.Select(index, platform ?? HostPlatform());
            manifestBytes = await Translate(reference, () => repository.GetManifestAsync(chosen.Digest, cancellationToken));
        }
        var kind = KindOf(manifestBytes);
        if (kind is MediaTypes.DockerSchema1 or MediaTypes.DockerSchema1Signed)
            throw new InvalidParameterException($"Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. Suggest the author of {reference.ToFamiliarString()} to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2.");
        if (!MediaTypes.IsImageManifest(kind))
            throw new InvalidParameterException($"unsupported manifest media type {kind} for {reference.ToFamiliarString()}");
        var manifest = Parse(manifestBytes.Bytes, OciJsonContext.Default.OciManifest, "manifest");
        var configDigest = ParseDigest(manifest.Config.Digest);

        await sink.ReportAsync(ProgressUpdate.Summary("Pulling from " + reference.Path) with { Id = tagOrDigest }, cancellationToken);

        var names = new List<ImageReference> { reference with { Tag = null, Digest = top.Digest } };
        if (reference.Tag is not null && reference.Digest is null) names.Insert(0, reference);
        var before = service.Images.LookupReference(reference);

        // Holds what this pull writes (manifest, config, layer blobs and layers) until the image does.
        await using var lease = await service.Images.Leases.CreateAsync("pull", cancellationToken);
        await lease.HoldAsync([manifestBytes.Digest, configDigest], [], cancellationToken);
        if (service.Images.GetRecord(configDigest) is null)
        {
            await PullLayersAsync(repository, reference, manifest, configDigest, platform, names, sink, lease, cancellationToken);
        }
        else
        {
            await service.Images.NameAsync(configDigest, names, cancellationToken);
        }

        // Under the image lock, and only while the image is stored: an rmi since the publish above has
        // already dropped the image's manifests, and a manifest blob written now would stay forever.
        await service.Images.RunLockedAsync(async ct =>
        {
            if (service.Images.GetRecord(configDigest) is null) return;
            await service.Content.WriteAsync(manifestBytes.Bytes, manifestBytes.Digest, ct);
            service.Store.RecordManifest(new ImageManifestRecord(configDigest, reference.Name, manifestBytes.Digest, kind));
            service.Store.RecordSource(configDigest, reference.Name);
            foreach (var layer in manifest.Layers)
                if (Digest.TryParse(layer.Digest, out var blob)) service.Store.RecordSource(blob, reference.Name);
        }, cancellationToken);

        await sink.ReportAsync(ProgressUpdate.Summary($"Digest: {top.Digest}"), cancellationToken);
        return before != configDigest;
    }

    private async Task PullLayersAsync(RegistryRepository repository, ImageReference reference, OciManifest manifest, Digest configDigest,
        PlatformSpec? platform, IReadOnlyList<ImageReference> names, IProgressSink sink, Lease lease, CancellationToken cancellationToken)
    {
        // The config is small: fetched whole, through the shared downloads so a resumed pull skips it too.
        await service.Downloads.FetchAsync(configDigest, (offset, ct) => repository.GetBlobAsync(configDigest, offset, ct), (_, _) => { }, cancellationToken);
        var configBytes = await service.Content.ReadAllAsync(configDigest, cancellationToken);
        ImageConfigFile config;
        try
        {
            config = ImageConfigFile.Parse(configBytes);
        }
        catch (JsonException e)
        {
            throw new InvalidParameterException($"invalid image config {configDigest}: {e.Message}");
        }
        if (platform is not null && (config.Os != platform.Os || config.Architecture != platform.Architecture))
            throw new InvalidParameterException($"image with reference {reference.ToFamiliarString()} was found but does not match the specified platform: wanted {platform}, actual: {config.Os}/{config.Architecture}");
        var diffIds = config.RootFs.DiffIds.Select(ParseDigest).ToList();
        if (diffIds.Count != manifest.Layers.Count)
            throw new InvalidParameterException($"invalid manifest, layers length mismatch: expected {diffIds.Count}, got {manifest.Layers.Count}");

        var layers = manifest.Layers.Select((d, i) => new LayerPlan(i, ParseDigest(d.Digest), d.Size, diffIds[i])).ToList();
        Digest? chain = null;
        foreach (var layer in layers)
        {
            chain = ChainIds.Compute(chain, layer.DiffId);
            layer.ChainId = chain.Value;
            layer.Present = service.Layers.Get(chain.Value) is not null;
        }
        await lease.HoldAsync(layers.Select(l => l.Blob), layers.Select(l => l.ChainId), cancellationToken);

        await using var pump = new ProgressPump(sink, cancellationToken);
        foreach (var layer in layers)
            pump.Post(ProgressUpdate.Layer(layer.Id, layer.Present ? "Already exists" : "Pulling fs layer"));

        using var slots = new SemaphoreSlim(service.MaxConcurrentDownloads);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var downloads = new Dictionary<int, Task>();
        foreach (var layer in layers.Where(l => !l.Present))
            downloads[layer.Index] = DownloadAsync(repository, layer, slots, pump, failed.Token);

        try
        {
            Layer? parent = null;
            foreach (var layer in layers)
            {
                if (layer.Present && service.Layers.Get(layer.ChainId) is { } existing)
                {
                    parent = existing;
                    continue;
                }
                if (downloads.TryGetValue(layer.Index, out var download)) await download;
                else await DownloadAsync(repository, layer, slots, pump, failed.Token); // removed meanwhile
                parent = await ExtractAsync(parent, layer, pump, failed.Token);
            }
        }
        catch
        {
            // Stop the other transfers; blobs already verified stay in the content store for the next pull.
            await failed.CancelAsync();
            try { await Task.WhenAll(downloads.Values); } catch { }
            throw;
        }
        await pump.FlushAsync();

        var pulled = new List<PulledLayer>();
        foreach (var layer in layers)
        {
            var compression = service.Content.Exists(layer.Blob) ? layer.Compression ?? await DetectAsync(layer.Blob, cancellationToken) : Compression.None;
            pulled.Add(new PulledLayer(layer.DiffId, layer.Blob, compression));
        }
        await service.Images.PublishPulledAsync(configBytes, config, pulled, names, lease, cancellationToken);
    }

    private async Task DownloadAsync(RegistryRepository repository, LayerPlan layer, SemaphoreSlim slots, ProgressPump pump, CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (!await slots.WaitAsync(0, cancellationToken))
        {
            pump.Post(ProgressUpdate.Layer(layer.Id, "Waiting"));
            await slots.WaitAsync(cancellationToken);
        }
        try
        {
            await service.Downloads.FetchAsync(layer.Blob, (offset, ct) => repository.GetBlobAsync(layer.Blob, offset, ct), (current, end) =>
            {
                if (end) pump.Post(ProgressUpdate.Layer(layer.Id, "Verifying Checksum"));
                else pump.PostCount(layer.Id, "Downloading", current, layer.Size, final: current == layer.Size);
            }, cancellationToken, status => pump.Post(ProgressUpdate.Layer(layer.Id, status)));
            pump.Post(ProgressUpdate.Layer(layer.Id, "Download complete"));
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task<Layer> ExtractAsync(Layer? parent, LayerPlan layer, ProgressPump pump, CancellationToken cancellationToken)
    {
        layer.Compression = await DetectAsync(layer.Blob, cancellationToken);
        var size = service.Content.Info(layer.Blob)?.Size ?? layer.Size;
        await using var blob = service.Content.OpenRead(layer.Blob);
        await using var counted = new ProgressStream(blob, (current, end) => pump.PostCount(layer.Id, "Extracting", current, size, final: end));
        Layer result;
        try
        {
            result = await service.Layers.ApplyAsync(parent, counted, layer.DiffId, cancellationToken);
        }
        catch (InvalidParameterException e)
        {
            throw new InvalidParameterException($"failed to register layer: {e.Message}", e);
        }
        pump.Post(ProgressUpdate.Layer(layer.Id, "Pull complete"));
        return result;
    }

    private async Task<string> DetectAsync(Digest blob, CancellationToken cancellationToken)
    {
        await using var stream = service.Content.OpenRead(blob);
        var (kind, replay) = await Compression.DetectAsync(stream, cancellationToken, leaveOpen: true);
        await replay.DisposeAsync();
        return kind;
    }

    /// <summary>One layer of the manifest and what the pull does with it.</summary>
    private sealed class LayerPlan(int index, Digest blob, long size, Digest diffId)
    {
        public int Index => index;
        public Digest Blob => blob;
        public long Size => size;
        public Digest DiffId => diffId;
        public string Id => ProgressIds.Of(blob);
        public Digest ChainId { get; set; }
        public bool Present { get; set; }
        public string? Compression { get; set; }
    }

    /// <summary>
    /// fromImage plus tag (a tag or a digest), normalised. Neither given leaves a bare name, which
    /// means every tag, as with dockerd (the docker CLI sends "latest" itself unless -a).
    /// </summary>
    internal static ImageReference Resolve(string fromImage, string? tag)
    {
        var reference = ImageReference.Parse(fromImage);
        if (!string.IsNullOrEmpty(tag))
            reference = Digest.TryParse(tag, out var digest) ? reference with { Tag = null, Digest = digest } : reference.WithTag(tag);
        return reference;
    }

    internal static PlatformSpec ParsePlatform(string platform)
    {
        var (os, architecture, variant) = ImageService.ParsePlatform(platform);
        return new PlatformSpec(os, architecture, variant);
    }

    private static PlatformSpec HostPlatform()
    {
        var (architecture, variant) = ImagePlatform.HostArchitecture();
        return new PlatformSpec("linux", architecture, variant);
    }

    /// <summary>The media type from the header, else from the document ("manifests" means an index).</summary>
    private static string KindOf(FetchedManifest manifest)
    {
        if (manifest.MediaType is { Length: > 0 } type && type != "application/json" && type != "text/plain") return type;
        try
        {
            using var document = JsonDocument.Parse(manifest.Bytes);
            var root = document.RootElement;
            if (root.TryGetProperty("mediaType", out var media) && media.GetString() is { Length: > 0 } declared) return declared;
            if (root.TryGetProperty("manifests", out _)) return MediaTypes.OciIndex;
            if (root.TryGetProperty("schemaVersion", out var version) && version.ValueKind == JsonValueKind.Number && version.GetInt32() == 1)
                return MediaTypes.DockerSchema1;
            return MediaTypes.OciManifest;
        }
        catch (JsonException e)
        {
            throw new InvalidParameterException($"invalid manifest: {e.Message}");
        }
    }

    /// <summary>dockerd's translatePullError: registry "not found" and "denied" answers become 404s in its words.</summary>
    private static async Task<T> Translate<T>(ImageReference reference, Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (RegistryException e) when (e.Error is { } error && error.Code is DistributionErrorCodes.ManifestUnknown or DistributionErrorCodes.NameUnknown or DistributionErrorCodes.Denied or DistributionErrorCodes.Unauthorized)
        {
            throw error.Code switch
            {
                DistributionErrorCodes.ManifestUnknown => new NotFoundException($"manifest for {reference.ToFamiliarString()} not found: {error}"),
                DistributionErrorCodes.NameUnknown => new NotFoundException($"repository {reference.FamiliarName} not found: {error}"),
                _ => new NotFoundException($"pull access denied for {reference.FamiliarName}, repository does not exist or may require 'docker login': {error}"),
            };
        }
    }

    private static T Parse<T>(byte[] json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new InvalidParameterException($"invalid {what}: null");
        }
        catch (JsonException e)
        {
            throw new InvalidParameterException($"invalid {what}: {e.Message}");
        }
    }

    private static Digest ParseDigest(string value) =>
        Digest.TryParse(value, out var digest) ? digest : throw new InvalidParameterException($"invalid digest \"{value}\" in manifest");
}
