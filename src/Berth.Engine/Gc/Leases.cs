using System.Security.Cryptography;
using Berth.Content;
using Berth.Core.Digests;
using Berth.Engine.Metadata;
using Microsoft.Data.Sqlite;

namespace Berth.Engine.Gc;

/// <summary>
/// An operation's hold on content it writes before anything references it (containerd's lease):
/// blobs and unpacked layers named here are roots for the collector while the lease lives. Take
/// it before writing the first blob, name each blob or layer before writing it (or, for a blob
/// whose digest is known only at the end, in <see cref="BeforeCommit"/>), and dispose it once the
/// operation has committed its image (whose rows then hold the content) or failed.
/// </summary>
public sealed class Lease : IAsyncDisposable
{
    private readonly LeaseManager _owner;
    private int _released;

    internal Lease(LeaseManager owner, string id)
    {
        _owner = owner;
        Id = id;
        BeforeCommit = (digest, ct) => new ValueTask(HoldAsync([digest], [], ct));
    }

    public string Id { get; }

    /// <summary>For <see cref="IContentStore.WriteAsync(Stream, Digest?, Content.BeforeCommit?, CancellationToken)"/>: holds the blob before it is committed.</summary>
    public BeforeCommit BeforeCommit { get; }

    /// <summary>Holds blobs (content store digests) and layers (chain IDs); holding one twice is a no-op.</summary>
    public Task HoldAsync(IEnumerable<Digest> blobs, IEnumerable<Digest> layers, CancellationToken cancellationToken) =>
        Volatile.Read(ref _released) != 0
            ? throw new InvalidOperationException($"lease {Id} was released")
            : _owner.HoldAsync(this, blobs, layers, cancellationToken);

    public Task HoldBlobAsync(Digest blob, CancellationToken cancellationToken) => HoldAsync([blob], [], cancellationToken);

    public Task HoldLayerAsync(Digest chainId, CancellationToken cancellationToken) => HoldAsync([], [chainId], cancellationToken);

    /// <summary>Ends the lease: what it held is garbage from now on unless something else holds it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) await _owner.ReleaseAsync(this);
    }
}

/// <summary>
/// Leases in SQLite (tables <c>leases</c> and <c>lease_resources</c>). Each lease records the daemon
/// process that took it: only the current process's leases are live, so every lease a killed daemon
/// left is expired at the next start (<see cref="ExpireOthers"/>), and the collector ignores them anyway.
/// Taking, extending and releasing a lease run under <see cref="Gate"/>, which a collection holds from
/// listing candidates to deleting them: a hold is either seen by that collection or made after it.
/// </summary>
public sealed class LeaseManager
{
    internal const string BlobType = "blob";
    internal const string LayerType = "layer";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS leases (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,          -- the daemon process (random per start) that took it
            kind TEXT NOT NULL,           -- pull, load, import, build, …: for diagnostics
            created TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS lease_resources (
            lease_id TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
            type TEXT NOT NULL,           -- blob (content store digest) | layer (chain ID)
            resource TEXT NOT NULL,
            PRIMARY KEY (lease_id, type, resource)
        );
        """;

    private readonly MetadataStore _db;

    public LeaseManager(MetadataStore db)
    {
        _db = db;
        _db.EnsureSchema(Schema);
    }

    /// <summary>This process's owner tag: leases with another are a previous process's, never live.</summary>
    internal string Owner { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>Serialises lease changes with a collection's mark and sweep (held briefly by both).</summary>
    internal SemaphoreSlim Gate { get; } = new(1, 1);

    public async Task<Lease> CreateAsync(string kind, CancellationToken cancellationToken)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await Gate.WaitAsync(cancellationToken);
        try
        {
            using var connection = _db.Open();
            Execute(connection, null, "INSERT INTO leases (id, owner, kind, created) VALUES ($id, $owner, $kind, $created)",
                ("$id", id), ("$owner", Owner), ("$kind", kind), ("$created", DateTime.UtcNow.ToString("O")));
        }
        finally
        {
            Gate.Release();
        }
        return new Lease(this, id);
    }

    internal async Task HoldAsync(Lease lease, IEnumerable<Digest> blobs, IEnumerable<Digest> layers, CancellationToken cancellationToken)
    {
        var rows = blobs.Select(b => (BlobType, b)).Concat(layers.Select(l => (LayerType, l))).ToList();
        if (rows.Count == 0) return;
        await Gate.WaitAsync(cancellationToken);
        try
        {
            using var connection = _db.Open();
            using var transaction = connection.BeginTransaction();
            foreach (var (type, digest) in rows)
                Execute(connection, transaction, "INSERT OR IGNORE INTO lease_resources (lease_id, type, resource) VALUES ($id, $type, $r)",
                    ("$id", lease.Id), ("$type", type), ("$r", digest.ToString()));
            transaction.Commit();
        }
        finally
        {
            Gate.Release();
        }
    }

    internal async Task ReleaseAsync(Lease lease)
    {
        // Never cancelled: a lease outliving its operation would hold its content until the next start.
        await Gate.WaitAsync(CancellationToken.None);
        try
        {
            using var connection = _db.Open();
            Execute(connection, null, "DELETE FROM leases WHERE id = $id", ("$id", lease.Id));
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Deletes every lease a previous daemon process took (nothing of theirs is live); returns how many.</summary>
    public int ExpireOthers()
    {
        using var connection = _db.Open();
        return Execute(connection, null, "DELETE FROM leases WHERE owner != $owner", ("$owner", Owner));
    }

    /// <summary>Adds what this process's live leases hold to <paramref name="roots"/>, in the collector's read transaction.</summary>
    internal void AddRoots(SqliteConnection connection, SqliteTransaction transaction, GcRoots roots)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT r.type, r.resource FROM lease_resources r JOIN leases l ON l.id = r.lease_id WHERE l.owner = $owner";
        command.Parameters.AddWithValue("$owner", Owner);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (!Digest.TryParse(reader.GetString(1), out var digest)) continue;
            (reader.GetString(0) == LayerType ? roots.Layers : roots.Blobs).Add(digest);
        }
    }

    /// <summary>Live leases (this process's) and how many resources each holds: for diagnostics and tests.</summary>
    public IReadOnlyList<(string Id, string Kind, int Resources)> Live()
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT l.id, l.kind, count(r.resource) FROM leases l LEFT JOIN lease_resources r ON r.lease_id = l.id WHERE l.owner = $owner GROUP BY l.id";
        command.Parameters.AddWithValue("$owner", Owner);
        using var reader = command.ExecuteReader();
        var result = new List<(string, string, int)>();
        while (reader.Read()) result.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        return result;
    }

    private static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command.ExecuteNonQuery();
    }
}
