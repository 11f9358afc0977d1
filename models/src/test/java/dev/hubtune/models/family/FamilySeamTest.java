package dev.hubtune.models.family;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seam between families and the rest: heads, apps, exports, the family API and the building
 * blocks never name a family's package, so a new family needs no change outside its own.
 */
class FamilySeamTest {

    /** Every family's package; a new family is added here and in its ServiceLoader file. */
    private static final String[] FAMILIES = {
        "dev.hubtune.models.bert..",
        "dev.hubtune.models.gpt2..",
        "dev.hubtune.models.llama..",
        "dev.hubtune.models.roberta..",
        "dev.hubtune.models.distilbert..",
        "dev.hubtune.models.electra..",
        "dev.hubtune.models.modernbert..",
        "dev.hubtune.models.deberta..",
        "dev.hubtune.models.rnn.."
    };

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes =
                new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("dev.hubtune.models");
    }

    @Test
    void headsAppsExportsAndBlocksDoNotDependOnAFamily() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "dev.hubtune.models.heads..",
                        "dev.hubtune.models.apps..",
                        "dev.hubtune.models.export..",
                        "dev.hubtune.models.family..",
                        "dev.hubtune.models.nn..",
                        "dev.hubtune.models.decoding..",
                        "dev.hubtune.models.serving..",
                        "dev.hubtune.models.lora..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(FAMILIES)
                .because("families are found by model_type behind ModelFamily and Backbone")
                .check(classes);
    }

    @Test
    void familiesDoNotDependOnEachOther() {
        for (String family : FAMILIES) {
            String[] others =
                    java.util.Arrays.stream(FAMILIES)
                            .filter(f -> !f.equals(family))
                            .toArray(String[]::new);
            noClasses()
                    .that()
                    .resideInAPackage(family)
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(others)
                    .check(classes);
        }
    }

    @Test
    void buildingBlocksKnowNothingAboveThem() {
        noClasses()
                .that()
                .resideInAPackage("dev.hubtune.models.nn..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.hubtune.models.family..",
                        "dev.hubtune.models.heads..",
                        "dev.hubtune.models.apps..")
                .check(classes);
    }
}
