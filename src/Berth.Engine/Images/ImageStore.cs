using Berth.Core.Digests;
using Berth.Engine.Gc;
using Berth.Engine.Metadata;
using Microsoft.Data.Sqlite;

namespace Berth.Engine.Images;

/// <summary>A stored image's row: its layers bottom first, with the chain ID of each prefix.</summary>
public sealed record ImageRecord(Digest Id, IReadOnlyList<ImageLayerRef> Layers, long Size, DateTimeOffset? Created)
{
    public Digest? ChainId => Layers.Count == 0 ? null : Layers[^1].ChainId;
}

public sealed record ImageLayerRef(Digest DiffId, Digest ChainId);

/// <summary>
/// Where a layer's exact tar bytes live in the content store. Import and load keep the
/// uncompressed tar (blob digest = diff ID); a pull may keep the compressed blob as pulled and
/// record its compression, so save can reproduce the diff ID's bytes either way.
/// </summary>
public sealed record LayerBlob(Digest DiffId, Digest Blob, string Compression);

/// <summary>
/// Image metadata in SQLite: which images exist, their layers, their names and layer blobs.
/// Config bytes live in the content store (the ID is their digest); this is only the index.
/// Names are written in the same transaction as the image rows, so an image is visible fully or not at all.
/// </summary>
public sealed class ImageStore : IGcRootSource
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS images (
            id TEXT PRIMARY KEY,          -- sha256:<hex> of the config blob = image ID
            size INTEGER NOT NULL,        -- sum of the layer sizes
            created TEXT,                 -- the config's "created", for sorting lists
            added TEXT NOT NULL           -- when this daemon stored the image
        );
        CREATE TABLE IF NOT EXISTS image_layers (
            image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,    -- 0 = bottom layer
            diff_id TEXT NOT NULL,
            chain_id TEXT NOT NULL,
            PRIMARY KEY (image_id, position)
        );
        CREATE INDEX IF NOT EXISTS image_layers_chain ON image_layers(chain_id);
        CREATE INDEX IF NOT EXISTS image_layers_diff ON image_layers(diff_id);
        CREATE TABLE IF NOT EXISTS image_refs (
            ref TEXT PRIMARY KEY,         -- normalised: docker.io/library/busybox:latest or …@sha256:…
            image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE
        );
        CREATE INDEX IF NOT EXISTS image_refs_image ON image_refs(image_id);
        CREATE TABLE IF NOT EXISTS image_layer_blobs (
            diff_id TEXT PRIMARY KEY,
            blob TEXT NOT NULL,           -- content store digest holding the tar
            compression TEXT NOT NULL     -- none | gzip | zstd
        );
        """;

    private readonly MetadataStore _db;

    public ImageStore(MetadataStore db)
    {
        _db = db;
        _db.EnsureSchema(Schema);
    }

    public ImageRecord? Get(Digest id)
    {
        using var connection = _db.Open();
        return Load(connection, id);
    }

    public IReadOnlyList<ImageRecord> All()
    {
        using var connection = _db.Open();
        var ids = new List<Digest>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id FROM images";
            using var reader = command.ExecuteReader();
            while (reader.Read()) ids.Add(Digest.Parse(reader.GetString(0)));
        }
        return ids.Select(id => Load(connection, id)).OfType<ImageRecord>().ToList();
    }

    /// <summary>Image IDs whose hex starts with <paramref name="hexPrefix"/>; at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<Digest> SearchPrefix(string hexPrefix, int limit)
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM images WHERE substr(id, 1, $n) = $p ORDER BY id LIMIT $limit";
        var prefix = Digest.Sha256Algorithm + ":" + hexPrefix;
        command.Parameters.AddWithValue("$n", prefix.Length);
        command.Parameters.AddWithValue("$p", prefix);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var result = new List<Digest>();
        while (reader.Read()) result.Add(Digest.Parse(reader.GetString(0)));
        return result;
    }

    public Digest? LookupReference(string reference)
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT image_id FROM image_refs WHERE ref = $r";
        command.Parameters.AddWithValue("$r", reference);
        return command.ExecuteScalar() is string s ? Digest.Parse(s) : null;
    }

    /// <summary>Normalised reference strings naming the image, unordered.</summary>
    public IReadOnlyList<string> References(Digest id)
    {
        using var connection = _db.Open();
        return References(connection, id);
    }

    /// <summary>All (reference, image) pairs, for lists and name-only lookups.</summary>
    public IReadOnlyList<(string Reference, Digest Id)> AllReferences()
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT ref, image_id FROM image_refs ORDER BY ref";
        using var reader = command.ExecuteReader();
        var result = new List<(string, Digest)>();
        while (reader.Read()) result.Add((reader.GetString(0), Digest.Parse(reader.GetString(1))));
        return result;
    }

    public LayerBlob? GetLayerBlob(Digest diffId)
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT blob, compression FROM image_layer_blobs WHERE diff_id = $d";
        command.Parameters.AddWithValue("$d", diffId.ToString());
        using var reader = command.ExecuteReader();
        return reader.Read() ? new LayerBlob(diffId, Digest.Parse(reader.GetString(0)), reader.GetString(1)) : null;
    }

    /// <summary>Whether any stored image has the layer <paramref name="diffId"/>.</summary>
    public bool HasLayer(Digest diffId)
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM image_layers WHERE diff_id = $d)";
        command.Parameters.AddWithValue("$d", diffId.ToString());
        return (long)command.ExecuteScalar()! != 0;
    }

    /// <summary>Whether <paramref name="blob"/> holds a layer of a stored image.</summary>
    public bool IsLayerBlob(Digest blob)
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM image_layer_blobs WHERE blob = $b)";
        command.Parameters.AddWithValue("$b", blob.ToString());
        return (long)command.ExecuteScalar()! != 0;
    }

    /// <summary>
    /// Adds images (ignored when already stored), their layer blobs and their names in one
    /// transaction. Returns, per name, the image it named before (null when new or unchanged).
    /// </summary>
    public IReadOnlyList<Digest?> Commit(IEnumerable<(ImageRecord Image, IEnumerable<LayerBlob> Blobs)> images, IReadOnlyList<(string Reference, Digest Id)> names)
    {
        using var connection = _db.Open();
        using var transaction = connection.BeginTransaction();
        foreach (var (image, blobs) in images)
        {
            Execute(connection, transaction, "INSERT OR IGNORE INTO images (id, size, created, added) VALUES ($id, $size, $created, $added)",
                ("$id", image.Id.ToString()), ("$size", image.Size), ("$created", image.Created?.UtcDateTime.ToString("O")),
                ("$added", DateTime.UtcNow.ToString("O")));
            for (var i = 0; i < image.Layers.Count; i++)
                Execute(connection, transaction, "INSERT OR IGNORE INTO image_layers (image_id, position, diff_id, chain_id) VALUES ($id, $pos, $diff, $chain)",
                    ("$id", image.Id.ToString()), ("$pos", i), ("$diff", image.Layers[i].DiffId.ToString()), ("$chain", image.Layers[i].ChainId.ToString()));
            foreach (var blob in blobs)
                Execute(connection, transaction, "INSERT OR IGNORE INTO image_layer_blobs (diff_id, blob, compression) VALUES ($d, $b, $c)",
                    ("$d", blob.DiffId.ToString()), ("$b", blob.Blob.ToString()), ("$c", blob.Compression));
        }
        var previous = new List<Digest?>();
        foreach (var (reference, id) in names)
        {
            using (var lookup = connection.CreateCommand())
            {
                lookup.Transaction = transaction;
                lookup.CommandText = "SELECT image_id FROM image_refs WHERE ref = $r";
                lookup.Parameters.AddWithValue("$r", reference);
                var old = lookup.ExecuteScalar() is string s ? Digest.Parse(s) : (Digest?)null;
                previous.Add(old == id ? null : old);
            }
            Execute(connection, transaction, "INSERT OR REPLACE INTO image_refs (ref, image_id) VALUES ($r, $id)", ("$r", reference), ("$id", id.ToString()));
        }
        transaction.Commit();
        return previous;
    }

    public bool RemoveReference(string reference)
    {
        using var connection = _db.Open();
        return Execute(connection, null, "DELETE FROM image_refs WHERE ref = $r", ("$r", reference)) > 0;
    }

    /// <summary>
    /// Deletes the image row (its names and layer rows cascade) and returns what nothing else
    /// uses any more: chain IDs (top first) and diff IDs whose blobs can go.
    /// </summary>
    public (IReadOnlyList<Digest> UnusedChains, IReadOnlyList<LayerBlob> UnusedBlobs) Delete(Digest id)
    {
        using var connection = _db.Open();
        using var transaction = connection.BeginTransaction();
        var image = Load(connection, id, transaction);
        if (image is null) return ([], []);
        Execute(connection, transaction, "DELETE FROM images WHERE id = $id", ("$id", id.ToString()));
        var chains = new List<Digest>();
        var blobs = new List<LayerBlob>();
        for (var i = image.Layers.Count - 1; i >= 0; i--)
        {
            var layer = image.Layers[i];
            if (Scalar(connection, transaction, "SELECT count(*) FROM image_layers WHERE chain_id = $v", layer.ChainId) == 0 && !chains.Contains(layer.ChainId))
                chains.Add(layer.ChainId);
            if (Scalar(connection, transaction, "SELECT count(*) FROM image_layers WHERE diff_id = $v", layer.DiffId) == 0 && blobs.All(b => b.DiffId != layer.DiffId))
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = "SELECT blob, compression FROM image_layer_blobs WHERE diff_id = $d";
                command.Parameters.AddWithValue("$d", layer.DiffId.ToString());
                using (var reader = command.ExecuteReader())
                    if (reader.Read()) blobs.Add(new LayerBlob(layer.DiffId, Digest.Parse(reader.GetString(0)), reader.GetString(1)));
                Execute(connection, transaction, "DELETE FROM image_layer_blobs WHERE diff_id = $d", ("$d", layer.DiffId.ToString()));
            }
        }
        transaction.Commit();
        return (chains, blobs);
    }

    /// <summary>
    /// The collector's roots from images: each image's config blob, its layers' chain IDs, and the
    /// blobs holding its layers' tars (the recorded blob, and the uncompressed tar named by the diff ID).
    /// </summary>
    public void AddRoots(SqliteConnection connection, SqliteTransaction transaction, GcRoots roots)
    {
        Read("SELECT id FROM images", roots.Blobs);
        Read("SELECT DISTINCT chain_id FROM image_layers", roots.Layers);
        Read("SELECT DISTINCT diff_id FROM image_layers", roots.Blobs);
        Read("SELECT b.blob FROM image_layer_blobs b WHERE EXISTS (SELECT 1 FROM image_layers l WHERE l.diff_id = b.diff_id)", roots.Blobs);

        void Read(string sql, HashSet<Digest> into)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            while (reader.Read())
                if (Digest.TryParse(reader.GetString(0), out var digest)) into.Add(digest);
        }
    }

    private static ImageRecord? Load(SqliteConnection connection, Digest id, SqliteTransaction? transaction = null)
    {
        long size;
        DateTimeOffset? created;
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT size, created FROM images WHERE id = $id";
            command.Parameters.AddWithValue("$id", id.ToString());
            using var reader = command.ExecuteReader();
            if (!reader.Read()) return null;
            size = reader.GetInt64(0);
            created = reader.IsDBNull(1) ? null : DateTimeOffset.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture);
        }
        var layers = new List<ImageLayerRef>();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT diff_id, chain_id FROM image_layers WHERE image_id = $id ORDER BY position";
            command.Parameters.AddWithValue("$id", id.ToString());
            using var reader = command.ExecuteReader();
            while (reader.Read()) layers.Add(new ImageLayerRef(Digest.Parse(reader.GetString(0)), Digest.Parse(reader.GetString(1))));
        }
        return new ImageRecord(id, layers, size, created);
    }

    private static List<string> References(SqliteConnection connection, Digest id)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT ref FROM image_refs WHERE image_id = $id";
        command.Parameters.AddWithValue("$id", id.ToString());
        using var reader = command.ExecuteReader();
        var result = new List<string>();
        while (reader.Read()) result.Add(reader.GetString(0));
        return result;
    }

    private static long Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql, Digest value)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$v", value.ToString());
        return (long)command.ExecuteScalar()!;
    }

    private static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command.ExecuteNonQuery();
    }
}
