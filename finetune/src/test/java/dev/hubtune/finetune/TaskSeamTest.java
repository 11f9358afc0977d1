package dev.hubtune.finetune;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Training tasks and the loop work on any family: they never name a family's package. */
class TaskSeamTest {

    @Test
    void trainingDoesNotDependOnAFamily() {
        noClasses()
                .that()
                .resideInAPackage("dev.hubtune.finetune..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.hubtune.models.bert..",
                        "dev.hubtune.models.gpt2..",
                        "dev.hubtune.models.roberta..",
                        "dev.hubtune.models.distilbert..",
                        "dev.hubtune.models.electra..",
                        "dev.hubtune.models.modernbert..",
                        "dev.hubtune.models.deberta..",
                        "dev.hubtune.models.llama..")
                .because("tasks are data + head + metrics on the Backbone seam")
                .check(
                        new ClassFileImporter()
                                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                                .importPackages("dev.hubtune.finetune"));
    }
}
