using Berth.Core.CommandLine;

namespace Berth.Registry.Storage;

/// <summary><c>berth-registry garbage-collect --root DIR [--dry-run] [--delete-untagged]</c> (pflag syntax: <see cref="FlagSet"/>).</summary>
public static class GarbageCollectCommand
{
    private const string Usage = "usage: berth-registry garbage-collect --root DIR [--dry-run] [--delete-untagged]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var flags = new FlagSet()
            .String("root", null, "").Bool("dry-run", 'd', "").Bool("delete-untagged", 'm', "").Bool("help", 'h', "");
        try
        {
            flags.Parse(args);
            if (flags.Positionals is [var extra, ..]) throw new UsageException($"unexpected argument \"{extra}\"");
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"berth-registry: {e.Message}\n{Usage}");
            return 2;
        }
        if (flags.GetBool("help"))
        {
            await output.WriteLineAsync(Usage + "\n\nRemoves blobs no manifest references. Run it while the registry accepts no pushes.\n" +
                "  --dry-run, -d          print what would be removed, remove nothing\n" +
                "  --delete-untagged, -m  also remove manifests no tag reaches (and what only they reference)");
            return 0;
        }
        var root = flags.GetString("root");
        bool dryRun = flags.GetBool("dry-run"), deleteUntagged = flags.GetBool("delete-untagged");
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
