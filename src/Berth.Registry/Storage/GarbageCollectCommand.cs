namespace Berth.Registry.Storage;

/// <summary><c>berth-registry garbage-collect --root DIR [--dry-run] [--delete-untagged]</c>.</summary>
public static class GarbageCollectCommand
{
    private const string Usage = "usage: berth-registry garbage-collect --root DIR [--dry-run] [--delete-untagged]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        string? root = null;
        bool dryRun = false, deleteUntagged = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-h" or "--help":
                    await output.WriteLineAsync(Usage + "\n\nRemoves blobs no manifest references. Run it while the registry accepts no pushes.\n" +
                        "  --dry-run, -d          print what would be removed, remove nothing\n" +
                        "  --delete-untagged, -m  also remove manifests no tag reaches (and what only they reference)");
                    return 0;
                case "--dry-run" or "-d":
                    dryRun = true;
                    break;
                case "--delete-untagged" or "-m":
                    deleteUntagged = true;
                    break;
                case "--root" when i + 1 < args.Length:
                    root = args[++i];
                    break;
                case var a when a.StartsWith("--root=", StringComparison.Ordinal):
                    root = a["--root=".Length..];
                    break;
                default:
                    await error.WriteLineAsync($"berth-registry: unknown option \"{args[i]}\"\n{Usage}");
                    return 2;
            }
        }
        if (string.IsNullOrEmpty(root) || !Directory.Exists(root))
        {
            await error.WriteLineAsync($"berth-registry: --root must name an existing registry directory\n{Usage}");
            return 2;
        }
        var store = new RegistryStore(root);
        await new GarbageCollector(store, output).RunAsync(dryRun, deleteUntagged, CancellationToken.None);
        return 0;
    }
}
