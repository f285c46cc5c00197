using Berth.Core.Digests;
using Berth.Engine.Gc;
using Microsoft.Data.Sqlite;

namespace Berth.Engine.Distribution;

/// <summary>
/// The collector's roots from the distribution service (see <see cref="DistributionStore"/>'s tables):
/// the manifest blobs images were pulled with or pushed as, and the gzip blobs made to push layers.
/// Both are dropped with their image by <see cref="DistributionCleanup"/>; until then they are held.
/// </summary>
/// <param name="store">The store whose tables are read (its construction creates them).</param>
#pragma warning disable CS9113 // kept for the schema it guarantees
public sealed class DistributionGcRoots(DistributionStore store) : IGcRootSource
#pragma warning restore CS9113
{
    public void AddRoots(SqliteConnection connection, SqliteTransaction transaction, GcRoots roots)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT manifest FROM distribution_manifests UNION SELECT blob FROM distribution_compressed";
        using var reader = command.ExecuteReader();
        while (reader.Read())
            if (Digest.TryParse(reader.GetString(0), out var digest)) roots.Blobs.Add(digest);
    }
}
