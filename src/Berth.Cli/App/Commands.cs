using Berth.Cli.Commands.Containers;
using Berth.Cli.Commands.Images;
using Berth.Cli.Commands.Engine;
using Berth.Cli.Commands.Registries;

namespace Berth.Cli.App;

/// <summary>The command tree: top-level commands and the image/container/system groups.</summary>
public static class Commands
{
    public static IReadOnlyList<CommandSpec> ContainerCommands { get; } =
    [
        RunCommand.Run, RunCommand.Create, LifecycleCommands.Start, LifecycleCommands.Stop,
        LifecycleCommands.Restart, LifecycleCommands.Kill, LifecycleCommands.Remove, LifecycleCommands.Wait,
        LifecycleCommands.Rename, PsCommand.Spec with { Name = "ls", Aliases = ["ps", "list"] }, LogsCommand.Spec,
        InspectCommand.ContainerInspect,
    ];

    public static IReadOnlyList<CommandSpec> ImageCommands { get; } =
    [
        ImagesCommand.Spec with { Name = "ls", Aliases = ["list"], Usage = "image ls [OPTIONS] [REPOSITORY[:TAG]]" },
        ImageOps.Remove with { Name = "rm", Aliases = ["remove", "rmi"], Usage = "image rm [OPTIONS] IMAGE [IMAGE...]" },
        ImageOps.History with { Usage = "image history [OPTIONS] IMAGE" },
        ImageOps.Tag with { Usage = "image tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]" },
        TransferCommands.Save with { Usage = "image save [OPTIONS] IMAGE [IMAGE...]" },
        TransferCommands.Load with { Usage = "image load [OPTIONS]" },
        TransferCommands.Import with { Usage = "image import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]" },
        InspectCommand.ImageInspect,
        DistributionCommands.Pull with { Usage = "image pull [OPTIONS] NAME[:TAG|@DIGEST]" },
        DistributionCommands.Push with { Usage = "image push [OPTIONS] NAME[:TAG]" },
    ];

    public static IReadOnlyList<CommandSpec> SystemCommands { get; } = [SystemInfoCommands.Info];

    public static IReadOnlyList<CommandSpec> TopLevel { get; } =
    [
        RunCommand.Run, RunCommand.Create, LifecycleCommands.Start, LifecycleCommands.Stop,
        LifecycleCommands.Restart, LifecycleCommands.Kill, LifecycleCommands.Remove, LifecycleCommands.Wait,
        LifecycleCommands.Rename, PsCommand.Spec, LogsCommand.Spec, InspectCommand.Generic,
        ImagesCommand.Spec, ImageOps.Remove, ImageOps.History, ImageOps.Tag,
        TransferCommands.Save, TransferCommands.Load, TransferCommands.Import,
        DistributionCommands.Pull, DistributionCommands.Push, LoginCommands.Login, LoginCommands.Logout,
        SystemInfoCommands.Version, SystemInfoCommands.Info,
    ];

    public static IReadOnlyDictionary<string, IReadOnlyList<CommandSpec>> Groups { get; } =
        new Dictionary<string, IReadOnlyList<CommandSpec>>
        {
            ["container"] = ContainerCommands,
            ["image"] = ImageCommands,
            ["system"] = SystemCommands,
        };
}
