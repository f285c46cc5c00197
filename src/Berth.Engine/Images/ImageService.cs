using System.Collections.Concurrent;
using Berth.Content;
using Berth.Core.Diagnostics;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Core.References;
using Berth.Engine.Gc;
using Berth.Engine.Images.Archive;
using Berth.Engine.Metadata;
using Berth.Layers;

namespace Berth.Engine.Images;

/// <summary>
/// The image service: config blobs in the content store, layers in the layer store, names and
/// metadata in SQLite (<see cref="ImageStore"/>). Operations that create or delete images run
/// one at a time (a single async lock), so a layer an image is about to reference cannot be
/// deleted by a concurrent rmi; reads never take the lock.
/// </summary>
public sealed partial class ImageService : IImageService
{
    private readonly IContentStore _content;
    private readonly ILayerStore _layers;
    private readonly IImageUsage _usage;
    private readonly ImageStore _store;
    private readonly string _tempRoot;
    private readonly SemaphoreSlim _mutate = new(1, 1);
    private readonly ConcurrentDictionary<Digest, ImageConfigFile> _configs = new();
    private readonly List<IImageDeletionObserver> _deletionObservers = [];

    /// <param name="stateDirectory">
    /// A directory of the image service under the data root (e.g. &lt;data-root&gt;/image): its tmp/
    /// holds archives being loaded, on the same filesystem as the content store so spooled layers
    /// are renamed, not copied, into it. Emptied at startup.
    /// </param>
    /// <param name="containerLayers">
    /// The top chain ID of every container's root filesystem (containers record it, so it outlives a
    /// force-removed image): roots for the garbage collector. Null when no containers exist (tests).
    /// </param>
    public ImageService(IContentStore content, ILayerStore layers, MetadataStore metadata, IImageUsage usage, string stateDirectory,
        Func<IEnumerable<Digest>>? containerLayers = null)
    {
        _content = content;
        _layers = layers;
        _usage = usage;
        _store = new ImageStore(metadata);
        Leases = new LeaseManager(metadata);
        Collector = new ContentCollector(content, layers, metadata, Leases, containerLayers ?? (() => []));
        Collector.AddRootSource(_store);
        _tempRoot = Path.Combine(Path.GetFullPath(stateDirectory), "tmp");
        if (Directory.Exists(_tempRoot)) Directory.Delete(_tempRoot, recursive: true);
        Directory.CreateDirectory(_tempRoot);
    }

    /// <summary>Leases of the operations writing content (pull, load, import, build, commit): see <see cref="Lease"/>.</summary>
    public LeaseManager Leases { get; }

    /// <summary>The content garbage collector over the content and layer stores; the daemon runs its loop.</summary>
    public ContentCollector Collector { get; }

    /// <summary>Adds an observer told of every deleted image; call at composition time, before serving.</summary>
    public void AddDeletionObserver(IImageDeletionObserver observer) => _deletionObservers.Add(observer);

    /// <summary>
    /// Runs <paramref name="action"/> under the mutation lock: for records about an image that must
    /// not interleave with its rmi (which tells the deletion observers under this lock). The action
    /// checks that its image or layer is still stored, so a record is either made before an rmi
    /// drops it, or not made at all.
    /// </summary>
    internal Task RunLockedAsync(Func<CancellationToken, Task> action, CancellationToken cancellationToken) =>
        RunLockedAsync(async ct =>
        {
            await action(ct);
            return true;
        }, cancellationToken);

    /// <summary>Every change to the image index runs under this one lock (pull, import, load, rmi).</summary>
    internal async Task<T> RunLockedAsync<T>(Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        await _mutate.WaitAsync(cancellationToken);
        try
        {
            return await action(cancellationToken);
        }
        finally
        {
            _mutate.Release();
        }
    }

    /// <summary>The SQLite index, for services that record images they make (pull, build, commit).</summary>
    public ImageStore Store => _store;

    /// <summary>Clock for "created" of imported images; replaceable in tests.</summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;

    public IReadOnlyList<Image> List()
    {
        var names = _store.AllReferences().ToLookup(r => r.Id, r => r.Reference);
        return _store.All()
            .Select(record => ToImage(record, names[record.Id].ToList()))
            .OrderByDescending(image => image.Config.Created ?? DateTimeOffset.MinValue)
            .ThenBy(image => image.Id.Hex, StringComparer.Ordinal)
            .ToList();
    }

    public Image Resolve(string nameOrId) =>
        TryResolveRecord(nameOrId) is { } record ? ToImage(record) : throw NoSuchImage(nameOrId);

    public Image? TryResolve(string nameOrId)
    {
        try
        {
            return TryResolveRecord(nameOrId) is { } record ? ToImage(record) : null;
        }
        catch (InvalidParameterException)
        {
            return null;
        }
    }

    /// <summary>
    /// docker's GetImage order: a full ID (64 hex or sha256:64 hex); then a name (default tag
    /// latest) or name@digest; then a unique prefix of an ID's hex, with or without "sha256:".
    /// An ambiguous prefix matches nothing (docker answers "No such image" for it too).
    /// </summary>
    private ImageRecord? TryResolveRecord(string nameOrId)
    {
        if (string.IsNullOrEmpty(nameOrId)) throw new InvalidParameterException("invalid reference format");
        if (nameOrId.Length == 64 && Digest.IsLowerHex(nameOrId))
            return _store.Get(Digest.FromHex(nameOrId));
        if (Digest.TryParse(nameOrId, out var full))
            return _store.Get(full);

        var reference = ImageReference.Parse(nameOrId).WithDefaultTag();
        if (_store.LookupReference(reference.ToString()) is { } id && _store.Get(id) is { } named)
            return named;

        var hex = nameOrId.StartsWith("sha256:", StringComparison.Ordinal) ? nameOrId[7..] : nameOrId;
        if (hex.Length == 0 || !Digest.IsLowerHex(hex)) return null;
        var matches = _store.SearchPrefix(hex, limit: 2);
        return matches.Count == 1 ? _store.Get(matches[0]) : null;
    }

    public async Task TagAsync(string source, string repository, string? tag, CancellationToken cancellationToken)
    {
        // Docker checks the new name before looking up the source.
        var target = ParseNewTag(repository, tag);
        await _mutate.WaitAsync(cancellationToken);
        try
        {
            var image = TryResolveRecord(source) ?? throw NoSuchImage(source);
            _store.Commit([], [(target.ToString(), image.Id)]);
        }
        finally
        {
            _mutate.Release();
        }
    }

    /// <summary>The reference a tag or load will write, with docker's validation and texts.</summary>
    internal static ImageReference ParseNewTag(string repository, string? tag)
    {
        var reference = ImageReference.Parse(repository);
        if (reference.Digest is not null)
            throw new InvalidParameterException("refusing to create a tag with a digest reference");
        if (!string.IsNullOrEmpty(tag)) reference = reference.WithTag(tag);
        if (reference.Path == "library/sha256" || reference.FamiliarName == "sha256")
            throw new InvalidParameterException("refusing to create an ambiguous tag using digest algorithm as name");
        return reference.WithDefaultTag();
    }

    public IReadOnlyList<ImageHistoryEntry> History(string nameOrId)
    {
        var record = TryResolveRecord(nameOrId) ?? throw NoSuchImage(nameOrId);
        var image = ToImage(record);
        var rows = new List<ImageHistoryEntry>();
        var layerIndex = 0;
        foreach (var entry in image.Config.History ?? [])
        {
            long size = 0;
            if (!entry.EmptyLayer)
            {
                // Each non-empty history entry is the next layer, bottom first (docker's rule).
                if (layerIndex >= record.Layers.Count)
                    throw new SystemFailureException("too many non-empty layers in History section");
                size = _layers.Get(record.Layers[layerIndex].ChainId)?.Size ?? 0;
                layerIndex++;
            }
            rows.Add(new ImageHistoryEntry("<missing>", entry.Created ?? DateTimeOffset.UnixEpoch, entry.CreatedBy ?? "", [], size, entry.Comment ?? ""));
        }
        rows.Reverse();
        if (rows.Count > 0)
            rows[0] = rows[0] with { Id = image.Id.ToString(), Tags = image.RepoTags };
        return rows;
    }

    public Task SaveAsync(IReadOnlyList<string> names, Stream destination, CancellationToken cancellationToken) =>
        new ImageSaver(this, _content, _store, _tempRoot).SaveAsync(names, destination, cancellationToken);

    public async Task<IReadOnlyList<string>> LoadAsync(Stream archive, CancellationToken cancellationToken)
    {
        await _mutate.WaitAsync(cancellationToken);
        try
        {
            await using var lease = await Leases.CreateAsync("load", cancellationToken);
            var loader = new ImageLoader(this, _content, _layers, _store, _tempRoot, lease);
            return await loader.LoadAsync(archive, cancellationToken);
        }
        finally
        {
            _mutate.Release();
        }
    }

    internal Image ToImage(ImageRecord record) => ToImage(record, _store.References(record.Id));

    private Image ToImage(ImageRecord record, IReadOnlyList<string> references)
    {
        var tags = new List<string>();
        var digests = new List<string>();
        foreach (var reference in references)
        {
            var parsed = ImageReference.Parse(reference);
            (parsed.Digest is null ? tags : digests).Add(parsed.ToFamiliarString());
        }
        tags.Sort(StringComparer.Ordinal);
        digests.Sort(StringComparer.Ordinal);
        return new Image(record.Id, GetConfig(record.Id), tags, digests, record.ChainId, record.Size);
    }

    /// <summary>The parsed config of a stored image; configs are immutable per ID, so they are cached.</summary>
    internal ImageConfigFile GetConfig(Digest id) => _configs.GetOrAdd(id, static (key, content) =>
    {
        using var stream = content.OpenRead(key);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return ImageConfigFile.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }, _content);

    /// <summary>
    /// Records images whose config and layers are already committed to the content and layer stores,
    /// and their names, in one transaction: the moment they become visible. Returns, per name, the
    /// image the name moved away from (null when it is new).
    /// </summary>
    internal IReadOnlyList<Digest?> Publish(IReadOnlyList<(ImageRecord Image, IReadOnlyList<LayerBlob> Blobs)> images, IReadOnlyList<(ImageReference Name, Digest Id)> names)
    {
        CrashPoints.Reach("image.before-publish");
        var previous = _store.Commit(images.Select(i => (i.Image, (IEnumerable<LayerBlob>)i.Blobs)), names.Select(n => (n.Name.ToString(), n.Id)).ToList());
        CrashPoints.Reach("image.after-publish");
        return previous;
    }

    /// <summary>
    /// Commits config bytes (held by <paramref name="lease"/> until the image is published) and builds
    /// the image row from layers that are already in the layer store. The ID is the digest of exactly these bytes.
    /// </summary>
    internal async Task<ImageRecord> PrepareAsync(ReadOnlyMemory<byte> configBytes, ImageConfigFile config, IReadOnlyList<Layer> layers, Lease lease, CancellationToken cancellationToken)
    {
        var id = Digest.Compute(configBytes.Span);
        await lease.HoldAsync([id], layers.Select(l => l.ChainId), cancellationToken);
        var info = await _content.WriteAsync(configBytes, id, cancellationToken);
        _configs.TryAdd(info.Digest, config);
        var refs = layers.Select(l => new ImageLayerRef(l.DiffId, l.ChainId)).ToList();
        return new ImageRecord(info.Digest, refs, layers.Sum(l => l.Size), config.Created);
    }

    /// <summary>
    /// docker's text names what it looked for: a name with its default tag ("No such image:
    /// busybox:latest"), an ID with its algorithm ("No such image: sha256:…").
    /// </summary>
    internal static NotFoundException NoSuchImage(string name)
    {
        string shown;
        if (name.Length == 64 && Digest.IsLowerHex(name)) shown = Digest.Sha256Algorithm + ":" + name;
        else if (Digest.TryParse(name, out _)) shown = name;
        else if (ImageReference.TryParse(name, out var reference)) shown = reference!.WithDefaultTag().ToFamiliarString();
        else shown = name;
        return new NotFoundException($"No such image: {shown}");
    }

    internal void ForgetConfig(Digest id) => _configs.TryRemove(id, out _);
}
