using System.Diagnostics;
using Berth.Content;
using Berth.Core.Diagnostics;
using Berth.Core.Digests;
using Berth.Engine.Metadata;
using Berth.Layers;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Engine.Gc;

/// <summary>What something holds: content store digests and layer chain IDs.</summary>
public sealed class GcRoots
{
    public HashSet<Digest> Blobs { get; } = [];
    public HashSet<Digest> Layers { get; } = [];
}

/// <summary>
/// A holder of content that the collector asks for its roots (images, the distribution service's
/// manifests and push blobs), inside the collector's one read transaction, so all roots come from
/// one consistent snapshot of the database.
/// </summary>
public interface IGcRootSource
{
    void AddRoots(SqliteConnection connection, SqliteTransaction transaction, GcRoots roots);
}

/// <summary>What one collection removed and what it cost.</summary>
public sealed record GcResult(
    IReadOnlyList<Digest> Blobs, long BlobBytes, IReadOnlyList<Digest> Layers, int StaleTemp,
    int CandidateBlobs, int CandidateLayers, TimeSpan Locked, TimeSpan Elapsed);

/// <summary>
/// The content garbage collector, after containerd's (core/metadata/gc): mark what the roots hold,
/// sweep the rest. Roots: every root source (images: config, layer blobs and chain IDs; distribution:
/// manifests and push blobs), this process's live leases, and the layers containers run on (their
/// recorded image chain, which outlives a force-removed image). Layers hold their parents.
/// <para>
/// One collection, under the lease gate: list the candidates (blobs, layer dirs), read every root in
/// one SQLite read transaction, then the containers' layers, then delete the unmarked candidates
/// (blobs unlinked, layers renamed into the layer store's tmp/). The files of detached layers are
/// removed after the gate is let go. A writer holds what it writes (in its lease, under the gate)
/// before the blob or layer can appear, so content that appears during a collection was either
/// held before it began or is not a candidate; images are published before their lease ends.
/// </para>
/// <para>
/// A periodic collection leaves alone unheld content newer than <see cref="Grace"/>: writers that take
/// no lease yet (push's gzip blobs, recorded a moment after they are written) are covered by it. At
/// start nothing is live, so <see cref="StartAsync"/> collects without grace.
/// </para>
/// </summary>
public sealed class ContentCollector
{
    private readonly IContentStore _content;
    private readonly ILayerStore _layers;
    private readonly MetadataStore _db;
    private readonly LeaseManager _leases;
    private readonly Func<IEnumerable<Digest>> _containerLayers;
    private readonly List<IGcRootSource> _sources = [];
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    // Layers a forced rmi left to the containers on them: collected once no container holds them.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Digest, byte> _pending = new();

    /// <param name="containerLayers">Top chain IDs of every container's root filesystem.</param>
    public ContentCollector(IContentStore content, ILayerStore layers, MetadataStore db, LeaseManager leases, Func<IEnumerable<Digest>> containerLayers)
    {
        _content = content;
        _layers = layers;
        _db = db;
        _leases = leases;
        _containerLayers = containerLayers;
    }

    /// <summary>Unheld content younger than this survives a periodic collection.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the loop looks for removed containers (a cheap in-memory check).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the loop collects when nothing asked for it.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    public ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>Clock for the grace period; replaceable in tests.</summary>
    public Func<DateTime> UtcNow { get; set; } = () => DateTime.UtcNow;

    /// <summary>Adds a root source; call at composition time, before any collection.</summary>
    public void AddRootSource(IGcRootSource source) => _sources.Add(source);

    /// <summary>
    /// Layers that only containers still hold (a forced rmi's): the loop collects them once no container
    /// does, however soon after that container was made and removed.
    /// </summary>
    public void CollectWhenUnused(IEnumerable<Digest> chains)
    {
        foreach (var chain in chains) _pending[chain] = 0;
    }

    /// <summary>Asks the loop for a collection soon (e.g. after an operation's content was left unheld).</summary>
    public void Request() => _wake.Release();

    /// <summary>At daemon start: expires the leases a previous process left, then collects everything unheld.</summary>
    public async Task<GcResult> StartAsync(CancellationToken cancellationToken)
    {
        var expired = _leases.ExpireOthers();
        var result = await CollectCoreAsync(null, TimeSpan.Zero, cancellationToken);
        Log("start", result, expired);
        return result;
    }

    /// <summary>A full collection; unheld content younger than <paramref name="grace"/> (default <see cref="Grace"/>) stays.</summary>
    public Task<GcResult> CollectAsync(CancellationToken cancellationToken, TimeSpan? grace = null) =>
        CollectCoreAsync(null, grace ?? Grace, cancellationToken);

    /// <summary>
    /// Deletes those of the given blobs and layers that nothing holds, whatever their age (rmi's
    /// freeing of an image's content): the same marking as a full collection, fewer candidates.
    /// </summary>
    public Task<GcResult> CollectAsync(IEnumerable<Digest> blobs, IEnumerable<Digest> layers, CancellationToken cancellationToken) =>
        CollectCoreAsync((blobs.ToHashSet(), layers.ToHashSet()), TimeSpan.Zero, cancellationToken);

    /// <summary>
    /// The daemon's collector loop: the start collection, then one whenever asked, whenever a container
    /// went away (its layers may have been the last hold on a force-removed image's), and every <see cref="Interval"/>.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.Yield(); // the caller (berthd's start-up) goes on serving
        try
        {
            try
            {
                await StartAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Logger.LogWarning(e, "garbage collection at start failed");
            }
            var containers = ContainerSet();
            var last = Stopwatch.StartNew();
            while (!cancellationToken.IsCancellationRequested)
            {
                var asked = await _wake.WaitAsync(CheckInterval, cancellationToken);
                var now = ContainerSet();
                var gone = containers.Where(c => !now.Contains(c)).ToList();
                containers = now;
                if (!_pending.IsEmpty)
                {
                    var held = MarkLayers(now);
                    foreach (var chain in _pending.Keys.Where(c => !held.Contains(c)).ToList())
                        if (_pending.TryRemove(chain, out _)) gone.Add(chain);
                }
                try
                {
                    if (gone.Count > 0)
                    {
                        // Layers a removed container ran on (and their parents): the last hold on a
                        // force-removed image's layers. They were held until now, so no grace applies.
                        var result = await CollectAsync([], WithParents(gone), cancellationToken);
                        Log("container removed", result, 0);
                    }
                    if (!asked && last.Elapsed < Interval) continue;
                    while (_wake.CurrentCount > 0) await _wake.WaitAsync(cancellationToken); // one collection answers every request
                    Log(asked ? "requested" : "periodic", await CollectAsync(cancellationToken), 0);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Logger.LogWarning(e, "garbage collection failed");
                }
                last.Restart();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private HashSet<Digest> ContainerSet() => _containerLayers().ToHashSet();

    private HashSet<Digest> WithParents(IEnumerable<Digest> tops) => MarkLayers(tops);

    private async Task<GcResult> CollectCoreAsync((HashSet<Digest> Blobs, HashSet<Digest> Layers)? only, TimeSpan grace, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var removals = new List<Func<Task>>();
        var deletedBlobs = new List<Digest>();
        var deletedLayers = new List<Digest>();
        long bytes = 0;
        int staleTemp = 0, candidateBlobs, candidateLayers;
        TimeSpan locked;

        await _leases.Gate.WaitAsync(cancellationToken);
        var gate = Stopwatch.StartNew();
        try
        {
            // 1. Candidates before roots: whatever appears after this listing is not a candidate.
            var cutoff = UtcNow() - grace;
            var blobs = only is { } a
                ? a.Blobs.Select(_content.Info).OfType<ContentInfo>().ToList()
                : _content.List().Where(b => grace <= TimeSpan.Zero || b.ModifiedUtc < cutoff).ToList();
            var layers = only is { } b
                ? b.Layers.ToList()
                : _layers.List().Where(l => grace <= TimeSpan.Zero || l.ModifiedUtc < cutoff).Select(l => l.ChainId).ToList();
            candidateBlobs = blobs.Count;
            candidateLayers = layers.Count;

            // 2. Mark: one database snapshot, then the containers (created only from images in it, or newer ones whose lease is in it).
            var roots = ReadRoots();
            foreach (var chain in _containerLayers()) roots.Layers.Add(chain);
            var marked = MarkLayers(roots.Layers);

            // 3. Sweep.
            foreach (var blob in blobs)
            {
                if (roots.Blobs.Contains(blob.Digest)) continue;
                _content.Delete(blob.Digest);
                CrashPoints.Reach("gc.after-blob-delete");
                deletedBlobs.Add(blob.Digest);
                bytes += blob.Size;
            }
            foreach (var chain in layers)
            {
                if (marked.Contains(chain)) continue;
                if (_layers.Detach(chain) is not { } remove) continue; // already gone
                CrashPoints.Reach("gc.after-layer-detach");
                removals.Add(remove);
                deletedLayers.Add(chain);
            }
            if (only is null)
            {
                staleTemp += _content.RemoveStaleIngests();
                staleTemp += _layers.RemoveStaleTemp();
            }
        }
        finally
        {
            locked = gate.Elapsed;
            _leases.Gate.Release();
        }

        // 4. The slow part, outside the gate: the detached layers' files.
        foreach (var remove in removals)
        {
            try
            {
                await remove();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Logger.LogWarning(e, "removing a detached layer failed; the next start finishes it");
            }
        }
        return new GcResult(deletedBlobs, bytes, deletedLayers, staleTemp, candidateBlobs, candidateLayers, locked, total.Elapsed);
    }

    private GcRoots ReadRoots()
    {
        var roots = new GcRoots();
        using var connection = _db.Open();
        // A deferred transaction's first read fixes the WAL snapshot every later read sees.
        using var transaction = connection.BeginTransaction(deferred: true);
        _leases.AddRoots(connection, transaction, roots);
        foreach (var source in _sources) source.AddRoots(connection, transaction, roots);
        transaction.Commit();
        return roots;
    }

    /// <summary>The held layers and every parent below them (read from the layer store's parent links).</summary>
    private HashSet<Digest> MarkLayers(IEnumerable<Digest> held)
    {
        var marked = new HashSet<Digest>();
        foreach (var top in held)
        {
            Digest? next = top;
            while (next is { } chain && marked.Add(chain)) next = _layers.Get(chain)?.Parent;
        }
        return marked;
    }

    private void Log(string why, GcResult result, int expiredLeases)
    {
        if (result.Blobs.Count == 0 && result.Layers.Count == 0 && result.StaleTemp == 0 && expiredLeases == 0)
        {
            Logger.LogDebug("gc ({Why}): nothing to remove; {Blobs} blobs and {Layers} layers looked at in {Elapsed} ms",
                why, result.CandidateBlobs, result.CandidateLayers, result.Elapsed.TotalMilliseconds);
            return;
        }
        Logger.LogInformation("gc ({Why}): removed {Blobs} blobs ({Bytes} bytes), {Layers} layers, {Stale} stale temp entries; expired {Leases} leases; {Elapsed} ms ({Locked} ms under the lease gate)",
            why, result.Blobs.Count, result.BlobBytes, result.Layers.Count, result.StaleTemp, expiredLeases,
            result.Elapsed.TotalMilliseconds, result.Locked.TotalMilliseconds);
    }
}
