using Berth.Cli.App;
using Berth.Cli.Auth;
using Berth.Cli.Formatting;
using Berth.Core.CommandLine;
using Berth.Core.Errors;
using Berth.Core.References;

namespace Berth.Cli.Commands.Images;

/// <summary>
/// pull and push (docker's cli/command/image/pull.go and push.go): the daemon does the
/// transfer; the CLI picks the credentials, sends the reference in docker's form and shows the
/// progress stream. Errors inside the stream are printed alone and exit 1.
/// </summary>
public static class DistributionCommands
{
    public static CommandSpec Pull { get; } = new("pull", "pull [OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry",
        f => f.Bool("all-tags", 'a', "Download all tagged images in the repository")
              .Bool("disable-content-trust", null, "Skip image verification")
              .String("platform", null, "Set platform if server is multi-platform capable")
              .Bool("quiet", 'q', "Suppress verbose output"),
        1, 1, PullAsync);

    public static CommandSpec Push { get; } = new("push", "push [OPTIONS] NAME[:TAG]", "Upload an image to a registry",
        f => f.Bool("all-tags", 'a', "Push all tags of an image to the repository")
              .Bool("disable-content-trust", null, "Skip image signing")
              .String("platform", null, "Push a platform-specific manifest as a single-platform image to the registry")
              .Bool("quiet", 'q', "Suppress verbose output"),
        1, 1, PushAsync);

    private const string TagWithAll = "tag can't be used with --all-tags/-a";

    private static async Task<int> PullAsync(CommandContext ctx, FlagSet flags)
    {
        var all = flags.GetBool("all-tags");
        var quiet = flags.GetBool("quiet");
        if (Resolve(ctx, flags.Positionals[0], all, quiet) is not { } reference)
        {
            return 1;
        }
        var output = quiet ? TextWriter.Null : ctx.Out;
        await PullAsync(ctx, reference, all, flags.GetString("platform"), output, quiet ? MessageDisplay.Plain : MessageDisplay.ForFd(1))
            .ConfigureAwait(false);
        ctx.Out.WriteLine(reference.ToString());
        return 0;
    }

    private static async Task<int> PushAsync(CommandContext ctx, FlagSet flags)
    {
        var all = flags.GetBool("all-tags");
        var quiet = flags.GetBool("quiet");
        if (Resolve(ctx, flags.Positionals[0], all, quiet) is not { } reference)
        {
            return 1;
        }
        if (reference.Digest is not null)
        {
            ctx.Err.WriteLine("cannot push a digest reference");
            return 1;
        }
        var auth = RegistryAuth.HeaderFor(ctx.ConfigDirectory, reference, ctx.Err);
        await using var messages = await ctx.Client.PushImageAsync(reference.FamiliarName, all ? null : reference.Tag, auth, ctx.CancellationToken)
            .ConfigureAwait(false);
        var display = quiet ? MessageDisplay.Plain : MessageDisplay.ForFd(1);
        if (await JsonMessageRenderer.RenderAsync(messages, quiet ? TextWriter.Null : ctx.Out, ctx.CancellationToken, display)
                .ConfigureAwait(false) is { } error)
        {
            throw new MessageStreamException(error);
        }
        if (quiet)
        {
            ctx.Out.WriteLine(reference.ToString());
        }
        return 0;
    }

    /// <summary>
    /// Pulls <paramref name="reference"/> (every tag when <paramref name="all"/>), showing the
    /// stream on <paramref name="output"/>; throws <see cref="MessageStreamException"/> for an error in it.
    /// </summary>
    public static async Task PullAsync(CommandContext ctx, ImageReference reference, bool all, string? platform, TextWriter output,
        MessageDisplay display)
    {
        var auth = RegistryAuth.HeaderFor(ctx.ConfigDirectory, reference, ctx.Err);
        // docker's getAPITagFromNamedRef: a digest wins over a tag; a bare name means latest.
        var tag = all ? null : reference.Digest?.ToString() ?? reference.Tag ?? ImageReference.DefaultTag;
        await using var messages = await ctx.Client.PullImageAsync(reference.FamiliarName, tag, platform?.ToLowerInvariant(), auth,
            ctx.CancellationToken).ConfigureAwait(false);
        if (await JsonMessageRenderer.RenderAsync(messages, output, ctx.CancellationToken, display).ConfigureAwait(false) is { } error)
        {
            throw new MessageStreamException(error);
        }
    }

    /// <summary>Parses NAME[:TAG|@DIGEST]; a bare name gets "latest" (said aloud unless quiet) unless all tags are wanted.</summary>
    private static ImageReference? Resolve(CommandContext ctx, string remote, bool all, bool quiet)
    {
        ImageReference reference;
        try
        {
            reference = ImageReference.Parse(remote);
        }
        catch (InvalidParameterException e)
        {
            ctx.Err.WriteLine(e.Message);
            return null;
        }
        var nameOnly = reference.Tag is null && reference.Digest is null;
        if (all && !nameOnly)
        {
            ctx.Err.WriteLine(TagWithAll);
            return null;
        }
        if (!all && nameOnly)
        {
            reference = reference.WithDefaultTag();
            if (!quiet)
            {
                ctx.Out.WriteLine($"Using default tag: {ImageReference.DefaultTag}");
            }
        }
        return reference;
    }
}
