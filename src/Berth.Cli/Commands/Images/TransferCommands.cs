using Berth.Cli.App;
using Berth.Cli.Formatting;
using Berth.Core.CommandLine;
using Berth.Core.References;

namespace Berth.Cli.Commands.Images;

/// <summary>save, load and import.</summary>
public static class TransferCommands
{
    public static CommandSpec Save { get; } = new("save", "save [OPTIONS] IMAGE [IMAGE...]", "Save one or more images to a tar archive (streamed to STDOUT by default)",
        f => f.String("output", 'o', "Write to a file, instead of STDOUT").List("platform", null, "Save only the given platform(s)"),
        1, CommandSpec.Unbounded, SaveAsync);

    public static CommandSpec Load { get; } = new("load", "load [OPTIONS]", "Load an image from a tar archive or STDIN",
        f => f.String("input", 'i', "Read from tar archive file, instead of STDIN").Bool("quiet", 'q', "Suppress the load output")
              .List("platform", null, "Load only the given platform(s)"),
        0, 0, LoadAsync);

    public static CommandSpec Import { get; } = new("import", "import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]", "Import the contents from a tarball to create a filesystem image",
        f => f.List("change", 'c', "Apply Dockerfile instruction to the created image")
              .String("message", 'm', "Set commit message for imported image")
              .String("platform", null, "Set platform if server is multi-platform capable"),
        1, 2, ImportAsync);

    /// <summary>"busybox" → "busybox:latest"; keeps digests and registries as the user wrote them.</summary>
    public static string Familiar(string image) =>
        ImageReference.TryParse(image, out var r) && r is not null ? r.WithDefaultTag().ToFamiliarString() : image;

    /// <summary>Splits "repo[:tag]" (a ':' after the last '/' is the tag); the tag defaults to "latest".</summary>
    public static (string Repo, string Tag) SplitTag(string reference)
    {
        var colon = reference.LastIndexOf(':');
        return colon > reference.LastIndexOf('/') ? (reference[..colon], reference[(colon + 1)..]) : (reference, "latest");
    }

    private static async Task<int> SaveAsync(CommandContext ctx, FlagSet flags)
    {
        var path = flags.GetString("output");
        if (path is null && !Console.IsOutputRedirected)
        {
            ctx.Err.WriteLine("Error: cowardly refusing to save to a terminal. Use the -o flag or redirect");
            return 1;
        }
        await using var tar = await ctx.Client.SaveImagesAsync(flags.Positionals, ctx.CancellationToken).ConfigureAwait(false);
        if (path is null)
        {
            await tar.CopyToAsync(ctx.StdoutStream, ctx.CancellationToken).ConfigureAwait(false);
            await ctx.StdoutStream.FlushAsync(ctx.CancellationToken).ConfigureAwait(false);
            return 0;
        }
        var temp = path + ".berth-tmp";
        await using (var file = File.Create(temp))
        {
            await tar.CopyToAsync(file, ctx.CancellationToken).ConfigureAwait(false);
        }
        File.Move(temp, path, overwrite: true);
        return 0;
    }

    private static async Task<int> LoadAsync(CommandContext ctx, FlagSet flags)
    {
        Stream input;
        if (flags.GetString("input") is { } path)
        {
            try
            {
                input = File.OpenRead(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                ctx.Err.WriteLine($"open {path}: no such file or directory");
                return 1;
            }
        }
        else
        {
            if (!Console.IsInputRedirected)
            {
                ctx.Err.WriteLine("requested load from stdin, but stdin is empty");
                return 1;
            }
            input = ctx.StdinStream;
        }
        await using (input)
        {
            await using var messages = await ctx.Client.LoadImagesAsync(input, flags.GetBool("quiet"), ctx.CancellationToken).ConfigureAwait(false);
            if (await JsonMessageRenderer.RenderAsync(messages, ctx.Out, ctx.CancellationToken).ConfigureAwait(false) is { } error)
            {
                ctx.Err.WriteLine(error);
                return 1;
            }
        }
        return 0;
    }

    private static async Task<int> ImportAsync(CommandContext ctx, FlagSet flags)
    {
        var source = flags.Positionals[0];
        string? repo = null, tag = null;
        if (flags.Positionals.Count == 2)
        {
            if (!ImageReference.TryParse(flags.Positionals[1], out _))
            {
                ctx.Err.WriteLine($"Error: invalid reference format: repository name ({flags.Positionals[1]}) must be lowercase");
                return 1;
            }
            (repo, tag) = SplitTag(flags.Positionals[1]);
        }
        Stream input;
        if (source == "-")
        {
            input = ctx.StdinStream;
        }
        else
        {
            try
            {
                input = File.OpenRead(source);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                ctx.Err.WriteLine($"open {source}: no such file or directory");
                return 1;
            }
        }
        await using (input)
        {
            await using var messages = await ctx.Client.ImportImageAsync(input, repo, tag, flags.GetList("change"),
                flags.GetString("message"), flags.GetString("platform"), ctx.CancellationToken).ConfigureAwait(false);
            if (await JsonMessageRenderer.RenderAsync(messages, ctx.Out, ctx.CancellationToken).ConfigureAwait(false) is { } error)
            {
                ctx.Err.WriteLine(error);
                return 1;
            }
        }
        return 0;
    }
}
